package ai.jllm.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.testing.TestTokenizers;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where templates and special tokens are read from, and the errors users see when something is wrong. */
class ChatTemplateLoadingTest {

    private static final List<Map<String, Object>> HELLO = List.of(Map.of("role", "user", "content", "hello"));

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    @Test
    void readsTheSpecialTokensOfTheRealTokenizerConfig() {
        // Qwen3 declares bos_token null and eos/pad tokens as strings: only the set ones reach the template.
        Path config = TestTokenizers.dir(TestTokenizers.QWEN3).resolve("tokenizer_config.json");
        assertThat(ChatTemplateFiles.specialTokens(config))
                .containsEntry("eos_token", "<|im_end|>")
                .containsEntry("pad_token", "<|endoftext|>")
                .doesNotContainKeys("bos_token", "unk_token")
                .containsKey("additional_special_tokens");
        assertThat(ChatTemplate.fromTokenizerConfig(config).render(HELLO, null, true, null))
                .isEqualTo("<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void specialTokensMayBeAddedTokenObjects() throws IOException {
        Path config = write("tokenizer_config.json", """
                {"chat_template": "{{ bos_token }}|{{ eos_token }}|{{ unk_token is defined }}|{{ additional_special_tokens }}",
                 "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "eos_token": "</s>", "unk_token": null, "pad_token": "",
                 "additional_special_tokens": ["<a>", {"content": "<b>"}]}""");
        assertThat(ChatTemplate.fromTokenizerConfig(config).render(HELLO, null, false, null))
                .isEqualTo("<s>|</s>|False|['<a>', '<b>']");
    }

    @Test
    void picksDefaultAndNamedTemplatesFromAList() throws IOException {
        Path config = write("tokenizer_config.json", """
                {"chat_template": [{"name": "default", "template": "D{{ messages|length }}"},
                                   {"name": "tool_use", "template": "T{{ tools|length }}"}]}""");
        assertThat(ChatTemplate.fromTokenizerConfig(config).render(HELLO, null, false, null)).isEqualTo("D1");
        assertThat(ChatTemplate.fromTokenizerConfig(config, "tool_use").orElseThrow()
                .render(HELLO, List.of(Map.of("type", "function")), false, null)).isEqualTo("T1");
        assertThat(ChatTemplate.fromTokenizerConfig(config, "rag")).isEmpty();
    }

    @Test
    void aListWithoutDefaultNamesWhatItHas() throws IOException {
        Path config = write("tokenizer_config.json", """
                {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "rag", "template": "R"}]}""");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(config))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining(config.toString())
                .hasMessageContaining("tool_use, rag");
    }

    @Test
    void missingTemplateNamesTheFile() {
        Path config = TestTokenizers.dir(TestTokenizers.LLAMA2).resolve("tokenizer_config.json");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(config))
                .isInstanceOf(JllmException.class)
                .hasMessage("no chat template in " + config + " (it has no \"chat_template\" field)");
        assertThatThrownBy(() -> ChatTemplate.fromModelDir(dir))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith("no chat template in " + dir);
    }

    @Test
    void malformedJsonNamesTheFile() throws IOException {
        Path config = write("tokenizer_config.json", "{\"chat_template\": \"x\",");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(config))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith("malformed JSON in " + config);
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(dir.resolve("absent.json")))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("absent.json");
    }

    @Test
    void modelDirPrefersJinjaThenJsonThenTokenizerConfig() throws IOException {
        write("tokenizer_config.json", "{\"chat_template\": \"config {{ eos_token }}\", \"eos_token\": \"</s>\"}");
        assertThat(ChatTemplate.fromModelDir(dir).render(HELLO, null, false, null)).isEqualTo("config </s>");
        write("chat_template.json", "{\"chat_template\": \"json {{ eos_token }}\"}");
        assertThat(ChatTemplate.fromModelDir(dir).render(HELLO, null, false, null)).isEqualTo("json </s>");
        write("chat_template.jinja", "jinja {{ eos_token }}\n");
        assertThat(ChatTemplate.fromModelDir(dir).render(HELLO, null, false, null)).isEqualTo("jinja </s>");
        write("additional_chat_templates/tool_use.jinja", "tools {{ tools|length }}");
        assertThat(ChatTemplate.fromModelDir(dir, "tool_use").orElseThrow().render(HELLO, List.of(), false, null))
                .isEqualTo("tools 0");
        assertThat(ChatTemplate.fromModelDir(dir, "rag")).isEmpty();
    }

    @Test
    void syntaxErrorsNameTheTemplateTheLineAndWhatWasExpected() throws IOException {
        Path config = write("tokenizer_config.json",
                "{\"chat_template\": \"{% for m in messages %}\\n{{ m.content }}\\n{% endif %}\"}");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(config))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith("syntax error in chat template 'default' (" + config + ") line 3: ")
                .hasMessageContaining("Encountered unknown tag 'endif'")
                .hasMessageContaining("'endfor' or 'else'");
        assertThatThrownBy(() -> ChatTemplate.compile("{{ messages[0] ", Map.of()))
                .hasMessage("syntax error in chat template 'inline' line 1: unexpected end of template, expected"
                        + " 'end of print statement'.");
    }

    @Test
    void runtimeErrorsNameTheTemplateAndLine() {
        ChatTemplate template = ChatTemplate.compile("tool-test", "line 1\n{{ messages[0].content.upper().nope.x }}", Map.of());
        assertThatThrownBy(() -> template.render(HELLO, null, false, null))
                .isInstanceOf(JllmException.class)
                .hasMessage("error in chat template tool-test line 2: 'str object' has no attribute 'nope'");
    }

    @Test
    void extraContextCannotReplaceRenderArguments() {
        ChatTemplate template = ChatTemplate.compile("{{ messages|length }}", Map.of());
        assertThatThrownBy(() -> template.render(HELLO, null, false, Map.of("messages", List.of())))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("'messages'");
    }

    @Test
    void extraContextOverridesSpecialTokens() {
        ChatTemplate template = ChatTemplate.compile("{{ bos_token }}", Map.of("bos_token", "<s>"));
        assertThat(template.render(HELLO, null, false, Map.of("bos_token", "<B>"))).isEqualTo("<B>");
        assertThat(template.render(HELLO, null, false, null)).isEqualTo("<s>");
    }

    @Test
    void javaNumberTypesReadAsPythonIntAndFloat() {
        ChatTemplate template = ChatTemplate.compile("{{ m.i }} {{ m.l }} {{ m.b }} {{ m.d }} {{ m.f }} {{ m.big }}"
                + " {{ m.i is integer }} {{ m.d is float }} {{ m|tojson }}", Map.of());
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("i", 1);
        values.put("l", 2L);
        values.put("b", new BigDecimal("1.0"));
        values.put("d", 2.5);
        values.put("f", 0.5f);
        values.put("big", new BigInteger("123456789012345678901234567890"));
        assertThat(template.render(HELLO, null, false, Map.of("m", values))).isEqualTo(
                "1 2 1.0 2.5 0.5 123456789012345678901234567890 True True {\"i\": 1, \"l\": 2, \"b\": 1.0, \"d\": 2.5,"
                        + " \"f\": 0.5, \"big\": 123456789012345678901234567890}");
    }

    @Test
    void rejectsValuesThatAreNotJsonLike() {
        ChatTemplate template = ChatTemplate.compile("{{ m }}", Map.of());
        assertThatThrownBy(() -> template.render(HELLO, null, false, Map.of("m", new Object())))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("java.lang.Object");
    }

    @Test
    void parsesOnceAndRendersManyTimesWithoutSharedState() {
        ChatTemplate template = ChatTemplate.compile(
                "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}", Map.of());
        assertThat(template.render(HELLO, null, false, null)).isEqualTo("1");
        assertThat(template.render(List.of(HELLO.getFirst(), HELLO.getFirst()), null, false, null)).isEqualTo("2");
        assertThat(template.render(HELLO, null, false, null)).isEqualTo("1");
    }
}
