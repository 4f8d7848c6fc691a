package ai.jllm.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.jllm.JllmException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders the real chat templates (Qwen3 and Llama 3 from their tokenizer_config.json; Llama 3.1, Qwen2.5,
 * Llama 2 and Mistral from test resources) on every golden case and compares with Python jinja2's bytes.
 */
class ChatTemplateGoldenTest {

    private static final Path GOLDEN = GoldenFiles.root().resolve("golden");

    @TestFactory
    Stream<DynamicNode> rendersLikeJinja2() {
        Map<String, Object> templates = GoldenFiles.readJson(GOLDEN.resolve("templates.json"));
        return templates.keySet().stream().map(name -> {
            ChatTemplate template = GoldenFiles.template(name);
            return DynamicContainer.dynamicContainer(name,
                    cases(GOLDEN.resolve(name)).stream().map(input -> dynamicTest(caseName(input),
                            () -> check(template, input))));
        });
    }

    @Test
    void everyTemplateHasCases() {
        Map<String, Object> templates = GoldenFiles.readJson(GOLDEN.resolve("templates.json"));
        assertThat(templates).containsKeys("qwen3", "llama3", "llama3.1", "qwen2.5", "llama2", "mistral-v0.1", "mistral-v0.3");
        templates.keySet().forEach(name -> assertThat(cases(GOLDEN.resolve(name))).as(name).hasSizeGreaterThan(4));
    }

    private static List<Path> cases(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String caseName(Path input) {
        return input.getFileName().toString().replaceFirst("\\.json$", "");
    }

    @SuppressWarnings("unchecked")
    private static void check(ChatTemplate template, Path input) {
        Map<String, Object> inputs = GoldenFiles.readJson(input);
        List<Map<String, Object>> messages = (List<Map<String, Object>>) inputs.get("messages");
        List<Map<String, Object>> tools = (List<Map<String, Object>>) inputs.get("tools");
        boolean addGenerationPrompt = (Boolean) inputs.get("add_generation_prompt");
        Map<String, Object> extra = (Map<String, Object>) inputs.get("extra");
        Path expectedOutput = input.resolveSibling(caseName(input) + ".out");
        Path expectedError = input.resolveSibling(caseName(input) + ".err");
        if (Files.exists(expectedError)) {
            assertThatThrownBy(() -> template.render(messages, tools, addGenerationPrompt, extra))
                    .isInstanceOf(JllmException.class)
                    .hasMessage(GoldenFiles.read(expectedError));
            return;
        }
        if (!Files.exists(expectedOutput)) {
            throw new IllegalStateException("no " + expectedOutput.getFileName() + " next to " + input);
        }
        String rendered = template.render(new ArrayList<>(messages), tools, addGenerationPrompt, extra);
        assertThat(rendered).isEqualTo(GoldenFiles.read(expectedOutput));
    }
}
