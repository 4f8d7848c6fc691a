package ai.jllm.cli;

import static ai.jllm.bench.MarkdownTable.figure;

import ai.jllm.JllmException;
import ai.jllm.api.LLM;
import ai.jllm.backend.Backend;
import ai.jllm.bench.MarkdownTable;
import ai.jllm.eval.EvalTasks;
import ai.jllm.eval.Gsm8kProblem;
import ai.jllm.eval.LoglikelihoodScorer;
import ai.jllm.eval.MmluData;
import ai.jllm.eval.MmluQuestion;
import ai.jllm.eval.PerplexityWindows;
import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm eval}: accuracy on standard tasks from local files, the counterpart of trtllm-eval. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure accuracy on local data (nothing is downloaded):",
                "  perplexity  --data a text file (e.g. wikitext's wiki.test.raw), or JSON lines of {\"text\"} "
                        + "joined by blank lines; scored in sliding windows of --max-length tokens every --stride.",
                "  mmlu        --data the MMLU data directory (test/SUBJECT_test.csv, dev/SUBJECT_dev.csv for "
                        + "--num-fewshot), one such CSV, or JSON lines of {\"question\", \"choices\", \"answer\", "
                        + "\"subject\"}; each choice scored by the log-likelihood of its letter.",
                "  gsm8k       --data GSM8K's test.jsonl or its directory ({\"question\", \"answer\" ending '#### N'}); greedy "
                        + "generation, the last number of the completion is the answer (strict: after '####').",
                "Prints the figures (perplexity or accuracy) as a table, or as JSON with --output json."})
final class EvalCommand implements Callable<Integer> {

    enum Task { perplexity, mmlu, gsm8k }

    enum OutputFormat { text, json }

    /** A task's items, read before the model loads. */
    private sealed interface TaskData {}

    private record Text(String text) implements TaskData {}

    private record Questions(List<MmluQuestion> questions) implements TaskData {}

    private record Problems(List<Gsm8kProblem> problems, List<Gsm8kProblem> examples) implements TaskData {}

    @Spec
    CommandSpec spec;

    @Option(names = "--task", paramLabel = "TASK", required = true,
            description = "perplexity, mmlu or gsm8k.")
    Task task;

    @Option(names = "--model", paramLabel = "MODEL", required = true,
            description = "A Hugging Face model directory or a hub id (org/name[@revision]), downloaded if not cached.")
    String model;

    @Option(names = "--data", paramLabel = "PATH", required = true, description = "The task's local data (see above).")
    Path data;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N items (questions, problems).")
    Integer limit;

    @Option(names = "--num-fewshot", paramLabel = "K", defaultValue = "0",
            description = "Worked examples before each item: MMLU's dev questions of the subject, GSM8K's first "
                    + "training problems (default: ${DEFAULT-VALUE}).")
    int numFewshot;

    @Option(names = "--fewshot-data", paramLabel = "FILE",
            description = "GSM8K examples (default: train.jsonl beside --data).")
    Path fewshotData;

    @Option(names = "--max-length", paramLabel = "N", defaultValue = "1024",
            description = "Perplexity window in tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--stride", paramLabel = "N",
            description = "Perplexity window step in tokens (default: half the window).")
    Integer stride;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
            description = "GSM8K: tokens generated at most per problem (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--concurrency", paramLabel = "N",
            description = "Engine requests in flight (default: twice --max-batch-size).")
    Integer concurrency;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (a table) or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    HubOptions hub;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.exists(data)) {
            throw new JllmException("--data " + data + " does not exist");
        }
        if (numFewshot < 0 || maxTokens < 1 || (limit != null && limit < 1)) {
            throw new JllmException("--num-fewshot must be ≥ 0, --max-tokens and --limit ≥ 1");
        }
        int window = maxLength;
        int step = stride != null ? stride : Math.max(1, maxLength / 2);
        if (task == Task.perplexity && (window < 2 || step < 1 || step > window)) {
            throw new JllmException("--max-length must be at least 2 and --stride between 1 and --max-length");
        }
        Path modelDir = hub.resolveModel(model);
        if (!Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
            throw new JllmException("eval needs the model's tokenizer; no tokenizer.json in " + modelDir);
        }
        int inFlight = concurrency != null ? concurrency : 2 * engineOptions.maxBatchSize;
        // The data is read before the model loads, so a bad file fails at once.
        TaskData items = switch (task) {
            case perplexity -> new Text(perplexityText());
            case mmlu -> new Questions(limited(MmluData.test(data, BenchOutput.JSON)));
            case gsm8k -> new Problems(limited(Gsm8kProblem.read(gsm8kFile(), BenchOutput.JSON)), gsm8kExamples());
        };
        ObjectNode result;
        try (Backend backend = engineOptions.backend.create(engineOptions.threads, err);
             LLM llm = LoadProgress.load(modelDir, backend, engineOptions, err, builder -> {
                 builder.maxQueueSize(Math.max(1024, 2 * inFlight));
                 if (task == Task.perplexity && engineOptions.maxSeqLen == null) {
                     builder.maxSeqLen(window + 1);
                 }
             })) {
            Tokenizer tokenizer = llm.tokenizer().orElseThrow();
            LoglikelihoodScorer scorer = new LoglikelihoodScorer(llm, tokenizer);
            result = switch (items) {
                case Text(String text) -> perplexity(scorer, tokenizer, text, window, step, inFlight);
                case Questions(List<MmluQuestion> questions) -> mmlu(scorer, questions, inFlight);
                case Problems(List<Gsm8kProblem> problems, List<Gsm8kProblem> examples) ->
                        gsm8k(llm, problems, examples, inFlight);
            };
        }
        result.put("model", modelDir.getFileName().toString());
        if (output == OutputFormat.json) {
            out.println(result.toString());
        } else {
            out.print(table(result));
        }
        out.flush();
        return 0;
    }

    private ObjectNode perplexity(LoglikelihoodScorer scorer, Tokenizer tokenizer, String text, int window, int step,
                                  int inFlight) {
        int[] tokens = tokenizer.encode(text, true);
        if (limit != null && tokens.length > limit) {
            tokens = Arrays.copyOf(tokens, limit);
        }
        int windows = PerplexityWindows.plan(tokens.length, window, step).size();
        try (ConsoleProgress progress = ConsoleProgress.start("perplexity", windows, "windows")) {
            return EvalTasks.perplexity(scorer, tokens, EvalTasks.utf8Bytes(text), window, step, inFlight,
                    progress::stepTo, BenchOutput.JSON);
        } catch (IllegalArgumentException e) {
            throw new JllmException(data + ": " + e.getMessage());
        }
    }

    private String perplexityText() {
        try {
            if (Files.isDirectory(data)) {
                throw new JllmException("--data for perplexity is a text file, not the directory " + data);
            }
            if (!data.getFileName().toString().endsWith(".jsonl")) {
                return Files.readString(data, StandardCharsets.UTF_8);
            }
            StringBuilder text = new StringBuilder();
            List<String> lines = Files.readAllLines(data, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                JsonNode node = BenchOutput.JSON.readTree(lines.get(i));
                if (!node.path("text").isTextual()) {
                    throw new JllmException(data + " line " + (i + 1) + ": expected {\"text\": ...}");
                }
                if (!text.isEmpty()) {
                    text.append("\n\n");
                }
                text.append(node.get("text").asText());
            }
            return text.toString();
        } catch (IOException e) {
            throw new JllmException("cannot read " + data + ": " + e.getMessage());
        }
    }

    private ObjectNode mmlu(LoglikelihoodScorer scorer, List<MmluQuestion> questions, int inFlight) {
        Map<String, List<MmluQuestion>> examples = new ConcurrentHashMap<>();
        try (ConsoleProgress progress = ConsoleProgress.start("mmlu", questions.size(), "questions")) {
            ObjectNode result = EvalTasks.mmlu(scorer, questions, subject -> examples.computeIfAbsent(subject,
                    s -> fewshot(MmluData.dev(data, s), s)), inFlight, progress::stepTo, BenchOutput.JSON);
            result.put("num_fewshot", numFewshot);
            return result;
        }
    }

    private List<MmluQuestion> fewshot(List<MmluQuestion> dev, String subject) {
        if (numFewshot > dev.size()) {
            throw new JllmException("--num-fewshot " + numFewshot + " but " + (dev.isEmpty() ? "no dev/" + subject
                    + "_dev.csv" : "only " + dev.size() + " dev questions") + " for " + subject + " under " + data);
        }
        return dev.subList(0, numFewshot);
    }

    private Path gsm8kFile() {
        return Files.isDirectory(data) ? data.resolve("test.jsonl") : data;
    }

    private List<Gsm8kProblem> gsm8kExamples() {
        if (numFewshot == 0) {
            return List.of();
        }
        Path file = fewshotData != null ? fewshotData : gsm8kFile().toAbsolutePath().resolveSibling("train.jsonl");
        if (!Files.isRegularFile(file)) {
            throw new JllmException("--num-fewshot needs examples: no " + file + " (give --fewshot-data)");
        }
        List<Gsm8kProblem> train = Gsm8kProblem.read(file, BenchOutput.JSON);
        if (train.size() < numFewshot) {
            throw new JllmException(file + " holds " + train.size() + " problems, fewer than --num-fewshot");
        }
        return train.subList(0, numFewshot);
    }

    private ObjectNode gsm8k(LLM llm, List<Gsm8kProblem> problems, List<Gsm8kProblem> examples, int inFlight) {
        try (ConsoleProgress progress = ConsoleProgress.start("gsm8k", problems.size(), "problems")) {
            return EvalTasks.gsm8k(llm, problems, examples, maxTokens, inFlight, progress::stepTo, BenchOutput.JSON);
        }
    }

    private <T> List<T> limited(List<T> items) {
        return limit == null || items.size() <= limit ? items : items.subList(0, limit);
    }

    private static String table(ObjectNode result) {
        MarkdownTable table = new MarkdownTable("figure", "value");
        result.properties().forEach(entry -> {
            JsonNode value = entry.getValue();
            if (value.isNumber()) {
                table.row(entry.getKey(), value.isIntegralNumber() ? value.asText() : figure(value.asDouble()));
            } else if (value.isTextual()) {
                table.row(entry.getKey(), value.asText());
            }
        });
        return table.render();
    }
}
