package ai.jllm.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.jllm.JllmException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * One small template per interpreter feature (whitespace control, loops, scoping, filters, tests, Python
 * str() of values, errors), each checked against the output or error jinja2 produced for it
 * (resources chat-templates/interpreter-cases.json, written by scripts/golden/render_chat_templates.py).
 */
class InterpreterCasesTest {

    private static final Map<String, Object> FILE = GoldenFiles.readJson(GoldenFiles.root().resolve("interpreter-cases.json"));

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> matchesJinja2() {
        Clock clock = Clock.fixed(LocalDateTime.parse((String) FILE.get("fixed_now")).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        List<Map<String, Object>> cases = (List<Map<String, Object>>) FILE.get("cases");
        return cases.stream().map(c -> dynamicTest((String) c.get("name"), () -> check(c, clock)));
    }

    @Test
    void coversEveryArea() {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) FILE.get("cases");
        assertThat(cases).hasSizeGreaterThan(100);
        assertThat(cases).extracting(c -> ((String) c.get("name")).split("_")[0])
                .contains("ws", "loop", "namespace", "macro", "filter", "tests", "str", "slicing", "syntax", "undefined");
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> testCase, Clock clock) {
        String source = (String) testCase.get("template");
        Map<String, Object> extra = new HashMap<>((Map<String, Object>) testCase.get("context"));
        List<Map<String, Object>> messages = (List<Map<String, Object>>) extra.remove("messages");
        List<Map<String, Object>> chat = messages == null ? List.of() : messages;
        if (testCase.containsKey("output")) {
            String rendered = ChatTemplate.compile(source, Map.of(), clock).render(chat, null, false, extra);
            assertThat(rendered).isEqualTo(testCase.get("output"));
            return;
        }
        Map<String, Object> error = (Map<String, Object>) testCase.get("error");
        String type = (String) error.get("type");
        String message = (String) error.get("message");
        switch (type) {
            case "TemplateSyntaxError" -> assertThatThrownBy(() -> ChatTemplate.compile(source, Map.of(), clock))
                    .isInstanceOf(JllmException.class)
                    .hasMessageStartingWith("syntax error in chat template 'inline' line " + error.get("line") + ": ")
                    .hasMessageContaining(message);
            // raise_exception: the template's own message, nothing added.
            case "TemplateError" -> assertThatThrownBy(() -> ChatTemplate.compile(source, Map.of(), clock)
                    .render(chat, null, false, extra)).isInstanceOf(JllmException.class).hasMessage(message);
            default -> assertThatThrownBy(() -> ChatTemplate.compile(source, Map.of(), clock).render(chat, null, false, extra))
                    .isInstanceOf(JllmException.class)
                    .hasMessageStartingWith("error in chat template 'inline' line ")
                    .hasMessageEndingWith(": " + message);
        }
    }
}
