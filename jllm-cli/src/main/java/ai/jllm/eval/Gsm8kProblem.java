package ai.jllm.eval;

import ai.jllm.JllmException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A GSM8K problem as openai/grade-school-math distributes them (test.jsonl, train.jsonl): a question and a worked
 * answer ending in {@code #### NUMBER}.
 *
 * @param reference the final number of the worked answer
 */
public record Gsm8kProblem(String question, String answer, String reference) {

    /** The prompt lm-evaluation-harness uses: worked examples, then "Question: ...\nAnswer:". */
    public String prompt(List<Gsm8kProblem> examples) {
        StringBuilder text = new StringBuilder();
        for (Gsm8kProblem example : examples) {
            text.append("Question: ").append(example.question()).append("\nAnswer: ").append(example.answer())
                    .append("\n\n");
        }
        return text.append("Question: ").append(question).append("\nAnswer:").toString();
    }

    /** Reads a JSON-lines file of {@code {"question", "answer"}}; errors name the file and line. */
    public static List<Gsm8kProblem> read(Path file, ObjectMapper json) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JllmException("cannot read " + file + ": " + e.getMessage());
        }
        List<Gsm8kProblem> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            JsonNode node;
            try {
                node = json.readTree(lines.get(i));
            } catch (IOException e) {
                throw new JllmException(where + ": malformed JSON");
            }
            if (!node.path("question").isTextual() || !node.path("answer").isTextual()) {
                throw new JllmException(where + ": expected \"question\" and \"answer\" strings");
            }
            String answer = node.get("answer").asText();
            String reference = Gsm8kAnswers.reference(answer).orElseThrow(() ->
                    new JllmException(where + ": the answer has no '#### NUMBER' final line"));
            problems.add(new Gsm8kProblem(node.get("question").asText(), answer, reference));
        }
        if (problems.isEmpty()) {
            throw new JllmException(file + " holds no problems");
        }
        return problems;
    }
}
