package ai.jllm.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Differential tests against jinja2 on seeded random input (scripts/golden/random_cases.py): expressions over
 * a fixed context, nests of tags with random whitespace control, and odd conversations for every golden
 * template. Each must give jinja2's output, or fail where jinja2 fails (runtime errors with its message).
 */
class RandomCasesTest {

    private static final Map<String, Object> FILE = GoldenFiles.readJson(GoldenFiles.root().resolve("random-cases.json"));

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicNode> matchJinja2() {
        Map<String, Object> expressionContext = (Map<String, Object>) FILE.get("expression_context");
        Map<String, Object> structureContext = (Map<String, Object>) FILE.get("structure_context");
        return Stream.of(
                templates("expressions", expressionContext),
                templates("structures", structureContext),
                DynamicContainer.dynamicContainer("chats", chats()));
    }

    @Test
    void hasEnoughCasesOfEachKind() {
        assertThat((List<?>) FILE.get("expressions")).hasSizeGreaterThan(1000);
        assertThat((List<?>) FILE.get("structures")).hasSizeGreaterThan(500);
        assertThat((List<?>) FILE.get("chats")).hasSizeGreaterThan(200);
    }

    @SuppressWarnings("unchecked")
    private static DynamicContainer templates(String kind, Map<String, Object> context) {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) FILE.get(kind);
        return DynamicContainer.dynamicContainer(kind, IntStream.range(0, cases.size()).mapToObj(i -> {
            Map<String, Object> testCase = cases.get(i);
            String source = (String) testCase.get("template");
            return dynamicTest(kind + " " + i, () -> GoldenFiles.assertSameOutcome(
                    () -> ChatTemplate.compile(source, Map.of()).render(List.of(), null, false, context), testCase));
        }));
    }

    @SuppressWarnings("unchecked")
    private static Stream<DynamicNode> chats() {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) FILE.get("chats");
        List<Map<String, Object>> tools = (List<Map<String, Object>>) FILE.get("tools");
        Map<String, ChatTemplate> templates = new HashMap<>();
        return IntStream.range(0, cases.size()).mapToObj(i -> {
            Map<String, Object> testCase = cases.get(i);
            String name = (String) testCase.get("template");
            List<Map<String, Object>> toolSet = switch ((String) testCase.get("tools")) {
                case null -> null;
                case "all" -> tools;
                case "first" -> tools.subList(0, 1);
                default -> throw new IllegalStateException("unknown tool set " + testCase.get("tools"));
            };
            return dynamicTest(name + " " + i, () -> {
                ChatTemplate template = templates.computeIfAbsent(name, GoldenFiles::template);
                GoldenFiles.assertSameOutcome(() -> template.render((List<Map<String, Object>>) testCase.get("messages"),
                        toolSet, (Boolean) testCase.get("add_generation_prompt"),
                        (Map<String, Object>) testCase.get("extra")), testCase);
            });
        });
    }
}
