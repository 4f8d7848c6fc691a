package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.template.ChatTemplate;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A --chat-template override: messages, tools and chat_template_kwargs reach the template as the client sent them
 * (tool-call arguments parsed into objects), and the template's own errors come back as 400s.
 */
class ChatTemplateTest {

    private static final String TEMPLATE = """
            {%- if messages[0].content == 'fail' %}{{ raise_exception('Conversation roles must alternate') }}{% endif -%}
            {%- if tools %}<tools>{{ tools | tojson }}</tools>{% endif -%}
            {%- for m in messages %}[{{ m.role }}]{{ m.content if m.content is string else '' }}\
            {%- if m.tool_calls %}{% for c in m.tool_calls %}<call {{ c.function.name }} {{ c.function.arguments | tojson }}>{% endfor %}{% endif %}\
            {% endfor -%}
            {%- if flavour is defined %}({{ flavour }}){% endif -%}
            {%- if add_generation_prompt %}[assistant]{% endif -%}""";

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        ChatTemplate template = ChatTemplate.compile("test template", TEMPLATE, Map.of());
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")), engine -> {},
                config -> config.chatTemplate(Optional.of(template)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theOverrideRendersMessagesToolsAndExtraContext() throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v1/chat/completions"), """
                {"messages": [
                   {"role": "developer", "content": "Be brief."},
                   {"role": "user", "content": [{"type": "text", "text": "line one"}, {"type": "text", "text": "two"}]},
                   {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                     "function": {"name": "weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
                   {"role": "tool", "tool_call_id": "c1", "content": "sunny"}],
                 "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}],
                 "chat_template_kwargs": {"flavour": "dry"},
                 "max_tokens": 1, "temperature": 0}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String expected = "<tools>[{\"type\": \"function\", \"function\": {\"name\": \"weather\", \"parameters\": "
                + "{\"type\": \"object\"}}}]</tools>[system]Be brief.[user]line one\ntwo"
                + "[assistant]<call weather {\"city\": \"Paris\"}>[tool]sunny(dry)[assistant]";
        int[] prompt = server.llm.tokenizer().orElseThrow().encode(expected, false);
        assertThat(Http.json(response).get("usage").get("prompt_tokens").asInt()).isEqualTo(prompt.length);
    }

    @Test
    void theTemplatesOwnErrorIsA400() throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v1/chat/completions"),
                "{\"messages\": [{\"role\": \"user\", \"content\": \"fail\"}]}");
        BadInputTest.assertError(response, 400, "messages");
        JsonNode error = Http.json(response).get("error");
        assertThat(error.get("message").asText()).contains("Conversation roles must alternate");
    }
}
