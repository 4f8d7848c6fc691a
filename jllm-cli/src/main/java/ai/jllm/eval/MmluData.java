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
import java.util.stream.Stream;

/**
 * Reads MMLU from the layouts it is distributed in, from local paths only:
 * <ul>
 *   <li>the original release ({@code data/} of hendrycks/test): a directory with {@code test/SUBJECT_test.csv} and
 *       {@code dev/SUBJECT_dev.csv} (the five worked examples per subject), or one such CSV file; rows are
 *       question, four choices, answer letter, without a header;</li>
 *   <li>JSON lines as the Hugging Face dataset rows export: {@code {"question", "choices": [...], "answer": 0-3 or
 *       "A"-"D", "subject"}}.</li>
 * </ul>
 * Errors name the file and the record.
 */
public final class MmluData {

    private MmluData() {}

    /** The test questions under {@code path}, subject by subject in name order. */
    public static List<MmluQuestion> test(Path path, ObjectMapper json) {
        if (Files.isDirectory(path)) {
            Path testDir = Files.isDirectory(path.resolve("test")) ? path.resolve("test") : path;
            List<MmluQuestion> questions = new ArrayList<>();
            for (Path file : list(testDir, "_test.csv")) {
                questions.addAll(csv(file, subject(file, "_test.csv")));
            }
            if (questions.isEmpty()) {
                throw new JllmException("no SUBJECT_test.csv files with questions in " + testDir);
            }
            return questions;
        }
        if (!Files.isRegularFile(path)) {
            throw new JllmException("no MMLU data at " + path);
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            return jsonLines(path, json);
        }
        return csv(path, subject(path, name.endsWith("_test.csv") ? "_test.csv" : ".csv"));
    }

    /** The worked examples of a subject ({@code dev/SUBJECT_dev.csv} beside {@code test/}), if there are any. */
    public static List<MmluQuestion> dev(Path path, String subject) {
        Path root = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        for (Path candidate : List.of(root.resolve("dev").resolve(subject + "_dev.csv"),
                root.resolveSibling("dev").resolve(subject + "_dev.csv"))) {
            if (Files.isRegularFile(candidate)) {
                return csv(candidate, subject);
            }
        }
        return List.of();
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new JllmException("cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static String subject(Path file, String suffix) {
        String name = file.getFileName().toString();
        return name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : name;
    }

    static List<MmluQuestion> csv(Path file, String subject) {
        List<List<String>> records;
        try {
            records = Csv.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new JllmException("cannot read " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new JllmException(file + ": " + e.getMessage());
        }
        List<MmluQuestion> questions = new ArrayList<>(records.size());
        for (int r = 0; r < records.size(); r++) {
            List<String> record = records.get(r);
            String where = file + " record " + (r + 1);
            if (record.size() < 4) {
                throw new JllmException(where + ": expected question, choices and answer letter, got "
                        + record.size() + " fields");
            }
            List<String> choices = record.subList(1, record.size() - 1);
            questions.add(question(subject, record.getFirst(), choices, letter(record.getLast(), choices.size(),
                    where), where));
        }
        return questions;
    }

    private static List<MmluQuestion> jsonLines(Path file, ObjectMapper json) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JllmException("cannot read " + file + ": " + e.getMessage());
        }
        List<MmluQuestion> questions = new ArrayList<>();
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
            JsonNode choicesNode = node.path("choices");
            if (!node.path("question").isTextual() || !choicesNode.isArray()) {
                throw new JllmException(where + ": expected \"question\" (a string) and \"choices\" (an array)");
            }
            List<String> choices = new ArrayList<>();
            choicesNode.forEach(choice -> choices.add(choice.asText()));
            JsonNode answer = node.path("answer");
            int index = answer.isIntegralNumber() ? answer.asInt() : letter(answer.asText(), choices.size(), where);
            questions.add(question(node.path("subject").asText("general"), node.get("question").asText(), choices,
                    index, where));
        }
        if (questions.isEmpty()) {
            throw new JllmException(file + " holds no questions");
        }
        return questions;
    }

    private static MmluQuestion question(String subject, String question, List<String> choices, int answer,
                                         String where) {
        try {
            return new MmluQuestion(subject, question, choices, answer);
        } catch (IllegalArgumentException e) {
            throw new JllmException(where + ": " + e.getMessage());
        }
    }

    private static int letter(String answer, int choices, String where) {
        String letter = answer.strip();
        int index = letter.length() == 1 ? MmluQuestion.LETTERS.indexOf(letter.charAt(0)) : -1;
        if (index < 0 || index >= choices) {
            throw new JllmException(where + ": the answer '" + answer + "' is not one of the choice letters");
        }
        return index;
    }
}
