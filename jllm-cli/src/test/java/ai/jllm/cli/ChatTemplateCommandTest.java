package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.testing.TestTokenizers;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jllm chat-template} through {@link Main#run}, with standard input and output redirected. Expected
 * prompts are the Python jinja2 goldens of jllm-core's chat template tests.
 */
class ChatTemplateCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputStream originalIn = System.in;
    private final PrintStream originalOut = System.out;
    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @BeforeEach
    void redirect() {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setIn(originalIn);
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private int run(String stdin, String... args) {
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        return Main.run(args);
    }

    private static String golden(String path) throws IOException {
        try (InputStream in = ChatTemplateCommandTest.class.getResourceAsStream("/chat-templates/golden/" + path)) {
            if (in == null) {
                throw new IllegalStateException("golden file " + path + " missing from jllm-core's test resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A golden case's inputs as the command reads them: an object with messages, tools and extra variables. */
    private static String requestOf(String goldenCase) throws IOException {
        Map<String, Object> inputs = JSON.readValue(golden(goldenCase + ".json"), new TypeReference<>() {});
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("messages", inputs.get("messages"));
        request.put("tools", inputs.get("tools"));
        @SuppressWarnings("unchecked")
        Map<String, Object> extra = (Map<String, Object>) inputs.get("extra");
        request.putAll(extra);
        return JSON.writeValueAsString(request);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void rendersQwen3ToolsExactly() throws IOException {
        String tokenizer = TestTokenizers.dir(TestTokenizers.QWEN3).toString();
        int exit = run(requestOf("qwen3/tools"), "chat-template", "--tokenizer", tokenizer, "--add-generation-prompt");
        assertThat(stderr()).isEmpty();
        assertThat(exit).isZero();
        assertThat(stdout()).isEqualTo(golden("qwen3/tools.out"));
    }

    @Test
    void setOverridesVariables() throws IOException {
        String tokenizer = TestTokenizers.dir(TestTokenizers.QWEN3).toString();
        int exit = run(requestOf("qwen3/multi_turn"), "chat-template", "--tokenizer", tokenizer,
                "--add-generation-prompt", "--set", "enable_thinking=false");
        assertThat(exit).isZero();
        assertThat(stdout()).isEqualTo(golden("qwen3/enable_thinking_false.out"));
    }

    @Test
    void readsAPlainArrayOfMessages() throws IOException {
        Map<String, Object> inputs = JSON.readValue(golden("llama3/unicode.json"), new TypeReference<>() {});
        String tokenizer = TestTokenizers.dir(TestTokenizers.LLAMA3).toString();
        int exit = run(JSON.writeValueAsString(inputs.get("messages")), "chat-template", "--tokenizer", tokenizer,
                "--add-generation-prompt");
        assertThat(exit).isZero();
        assertThat(stdout()).isEqualTo(golden("llama3/unicode.out"));
    }

    @Test
    void acceptsATokenizerConfigFile() throws IOException {
        Path config = TestTokenizers.dir(TestTokenizers.QWEN3).resolve("tokenizer_config.json");
        int exit = run(requestOf("qwen3/system_user"), "chat-template", "--tokenizer", config.toString(),
                "--add-generation-prompt");
        assertThat(exit).isZero();
        assertThat(stdout()).isEqualTo(golden("qwen3/system_user.out"));
    }

    @Test
    void malformedJsonIsAClearError() {
        String tokenizer = TestTokenizers.dir(TestTokenizers.QWEN3).toString();
        int exit = run("[{\"role\": \"user\", \"content\": \"hi\"", "chat-template", "--tokenizer", tokenizer);
        assertThat(exit).isEqualTo(1);
        assertThat(stdout()).isEmpty();
        assertThat(stderr()).startsWith("error: malformed JSON on standard input: ");
    }

    @Test
    void wrongShapeIsAClearError() {
        String tokenizer = TestTokenizers.dir(TestTokenizers.QWEN3).toString();
        assertThat(run("{\"msgs\": []}", "chat-template", "--tokenizer", tokenizer)).isEqualTo(1);
        assertThat(stderr()).isEqualTo("error: standard input must hold a JSON array of messages or an object with"
                + " \"messages\"" + System.lineSeparator());
    }

    @Test
    void missingTemplateIsAClearError() {
        Path llama2 = TestTokenizers.dir(TestTokenizers.LLAMA2);
        int exit = run("[]", "chat-template", "--tokenizer", llama2.toString());
        assertThat(exit).isEqualTo(1);
        assertThat(stdout()).isEmpty();
        assertThat(stderr()).startsWith("error: no chat template in " + llama2);
    }

    @Test
    void templateErrorsShowTheTemplatesMessage() throws IOException {
        Files.writeString(dir.resolve("chat_template.jinja"),
                "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}"
                        + "{% endif %}{% endfor %}");
        int exit = run("[{\"role\": \"system\", \"content\": \"x\"}]", "chat-template", "--tokenizer", dir.toString());
        assertThat(exit).isEqualTo(1);
        assertThat(stdout()).isEmpty();
        assertThat(stderr()).isEqualTo("error: System role not supported" + System.lineSeparator());
    }

    @Test
    void unknownTemplateNameIsAClearError() {
        String tokenizer = TestTokenizers.dir(TestTokenizers.QWEN3).toString();
        assertThat(run("[]", "chat-template", "--tokenizer", tokenizer, "--template", "rag")).isEqualTo(1);
        assertThat(stderr()).startsWith("error: no chat template named 'rag' in ");
    }

    @Test
    void badSetValueIsAClearError() {
        String tokenizer = TestTokenizers.dir(TestTokenizers.QWEN3).toString();
        assertThat(run("[]", "chat-template", "--tokenizer", tokenizer, "--set", "date_string=26 Jul")).isEqualTo(1);
        assertThat(stderr()).startsWith("error: --set date_string: the value 26 Jul is not JSON");
    }

    @Test
    void toolRequestsUseTheToolUseTemplate() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "default", "template": "plain"},
                                   {"name": "tool_use", "template": "tools={{ tools|length }}"}]}""");
        assertThat(run("{\"messages\": [], \"tools\": [{}]}", "chat-template", "--tokenizer", dir.toString())).isZero();
        assertThat(stdout()).isEqualTo("tools=1");
    }

    @Test
    void helpDescribesEveryOption() {
        assertThat(run("", "chat-template", "--help")).isZero();
        assertThat(stdout()).contains("--tokenizer=DIR", "--add-generation-prompt", "--template=NAME", "--set=KEY=JSON",
                "standard input", "tool_use");
    }
}
