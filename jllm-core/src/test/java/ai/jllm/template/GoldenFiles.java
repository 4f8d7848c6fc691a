package ai.jllm.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.testing.TestTokenizers;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The golden files scripts/golden/render_chat_templates.py wrote from Python jinja2 into the test resources
 * under chat-templates/. A missing file fails the test: regenerate with that script.
 */
final class GoldenFiles {

    static final ObjectMapper JSON = new ObjectMapper();

    private GoldenFiles() {}

    static Path root() {
        URL url = GoldenFiles.class.getResource("/chat-templates");
        if (url == null) {
            throw new IllegalStateException("test resources chat-templates/ are missing; run scripts/golden/render_chat_templates.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A golden template by its name in golden/templates.json: a real tokenizer_config.json or a resource file. */
    @SuppressWarnings("unchecked")
    static ChatTemplate template(String name) {
        Map<String, Object> origin = (Map<String, Object>) readJson(root().resolve("golden/templates.json")).get(name);
        if (origin == null) {
            throw new IllegalStateException("no template " + name + " in golden/templates.json");
        }
        if (origin.containsKey("tokenizer")) {
            return ChatTemplate.fromTokenizerConfig(TestTokenizers.dir((String) origin.get("tokenizer")).resolve("tokenizer_config.json"));
        }
        String source = read(root().resolve("templates").resolve((String) origin.get("file")));
        return ChatTemplate.compile(name, source, (Map<String, String>) origin.get("special_tokens"));
    }

    /**
     * Asserts that rendering gives jinja2's outcome: its output, or an error. The template's own
     * raise_exception message must match exactly, other runtime errors must end with Python's message.
     */
    @SuppressWarnings("unchecked")
    static void assertSameOutcome(Supplier<String> render, Map<String, Object> expected) {
        if (expected.containsKey("output")) {
            assertThat(render.get()).isEqualTo(expected.get("output"));
            return;
        }
        Map<String, Object> error = (Map<String, Object>) expected.get("error");
        String message = (String) error.get("message");
        switch ((String) error.get("type")) {
            case "TemplateSyntaxError" -> assertThatThrownBy(render::get).isInstanceOf(JllmException.class)
                    .hasMessageStartingWith("syntax error in chat template ");
            case "TemplateError" -> assertThatThrownBy(render::get).isInstanceOf(JllmException.class).hasMessage(message);
            default -> assertThatThrownBy(render::get).isInstanceOf(JllmException.class)
                    .hasMessageStartingWith("error in chat template ")
                    .hasMessageEndingWith(": " + message);
        }
    }

    static Map<String, Object> readJson(Path file) {
        try {
            return JSON.readValue(file.toFile(), new TypeReference<>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
