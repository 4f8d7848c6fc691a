package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.testing.RandomModel;
import ai.jllm.testing.TestTokenizers;
import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jllm eval} end to end on a random-weight Llama with the real Llama 3 tokenizer. The references are computed
 * here from the engine's prompt log-probabilities through the plain Java API, independently of the eval code's
 * windowing, prompt building and choice scoring.
 */
class EvalCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temp;

    static Path model;
    static Tokenizer tokenizer;

    @BeforeAll
    static void setUp() throws IOException {
        model = RandomModel.tinyLlama(128256, 128000, List.of(128001)).write(temp.resolve("llama"), 9);
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestTokenizers.dir(TestTokenizers.LLAMA3).resolve(file), model.resolve(file));
        }
        tokenizer = Tokenizer.load(model);
    }

    private static JsonNode eval(String... args) throws IOException {
        String[] command = new String[args.length + 7];
        command[0] = "eval";
        System.arraycopy(new String[] {"--model", model.toString(), "--backend", "cpu", "--threads", "1"}, 0,
                command, 1, 6);
        System.arraycopy(args, 0, command, 7, args.length);
        CommandRun run = CommandRun.of("", command);
        assertThat(run.exitCode()).as(run.err()).isZero();
        return JSON.readTree(run.out());
    }

    /** log P(tokens[i] | tokens[..i]) for i ≥ 1, from one request's prompt logprobs. */
    private static double[] promptLogprobs(LLM llm, int[] tokens) {
        RequestOutput output = llm.generateTokens(List.of(tokens), SamplingParams.builder().greedy().maxTokens(1)
                .promptLogprobs(0).build()).getFirst();
        return output.promptLogprobs().stream().mapToDouble(entry -> entry.token().logprob()).toArray();
    }

    private static LLM llm(CpuBackend backend) {
        return LLM.builder().model(model).backend(backend).maxBatchSize(4).maxNumTokens(512).maxSeqLen(512).build();
    }

    @Test
    void perplexityOfOneWindowIsTheMeanOfThePromptLogprobs() throws IOException {
        String text = "Perplexity measures how surprised a model is by a text. Lower is better; a uniform model over "
                + "a vocabulary of V tokens scores V.";
        Path file = temp.resolve("text.txt");
        Files.writeString(file, text);
        JsonNode result = eval("--task", "perplexity", "--data", file.toString(), "--max-length", "256",
                "--output", "json");
        int[] tokens = tokenizer.encode(text, true);
        assertThat(result.get("tokens").asInt()).isEqualTo(tokens.length);
        assertThat(result.get("tokens_scored").asInt()).isEqualTo(tokens.length - 1);
        assertThat(result.get("windows").asInt()).isEqualTo(1);
        try (CpuBackend backend = new CpuBackend(1); LLM llm = llm(backend)) {
            double nll = -Arrays.stream(promptLogprobs(llm, tokens)).sum() / (tokens.length - 1);
            assertThat(result.get("nll_per_token").asDouble()).isCloseTo(nll, within(1e-9));
            assertThat(result.get("perplexity").asDouble()).isCloseTo(Math.exp(nll), within(1e-6 * Math.exp(nll)));
        }
        assertThat(result.get("bits_per_byte").asDouble()).isCloseTo(result.get("nll_per_token").asDouble()
                * (tokens.length - 1) / (text.length() * Math.log(2)), within(1e-9));
    }

    @Test
    void slidingWindowsScoreEachTokenWithTheirOwnContext() throws IOException {
        String text = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.";
        Path file = temp.resolve("windows.txt");
        Files.writeString(file, text);
        JsonNode result = eval("--task", "perplexity", "--data", file.toString(), "--max-length", "8", "--stride",
                "4", "--output", "json");
        int[] tokens = tokenizer.encode(text, true);
        assertThat(result.get("tokens_scored").asInt()).isEqualTo(tokens.length - 1);
        // Reference: token p (p ≥ 1) is scored in the window that starts at the largest multiple of 4 below p whose
        // 8 tokens reach past p, i.e. with min(p, 4 + p % 4) tokens of context, computed window by window here.
        double sum = 0;
        try (CpuBackend backend = new CpuBackend(1); LLM llm = llm(backend)) {
            for (int p = 1; p < tokens.length; p++) {
                int begin = p < 8 ? 0 : ((p - 4) / 4) * 4;
                double[] logprobs = promptLogprobs(llm, Arrays.copyOfRange(tokens, begin, p + 1));
                sum += logprobs[p - begin - 1];
            }
        }
        assertThat(result.get("nll_per_token").asDouble()).isCloseTo(-sum / (tokens.length - 1), within(1e-9));
    }

    @Test
    void mmluScoresTheLetterTheModelPrefers() throws IOException {
        String[][] questions = {
                {"Which planet has the most visible rings?", "Mars", "Jupiter", "Saturn", "Neptune"},
                {"What is the closest star to Earth?", "Proxima Centauri", "The Sun", "Sirius", "Vega"}};
        String header = "The following are multiple choice questions (with answers) about astronomy.\n\n";
        int[] preferred = new int[questions.length];
        try (CpuBackend backend = new CpuBackend(1); LLM llm = llm(backend)) {
            for (int q = 0; q < questions.length; q++) {
                String prompt = header + questions[q][0] + "\nA. " + questions[q][1] + "\nB. " + questions[q][2]
                        + "\nC. " + questions[q][3] + "\nD. " + questions[q][4] + "\nAnswer:";
                int[] context = tokenizer.encode(prompt, true);
                double best = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < 4; c++) {
                    // With the Llama 3 tokenizer " A" … " D" are single tokens after "Answer:".
                    int[] whole = tokenizer.encode(prompt + " " + "ABCD".charAt(c), true);
                    assertThat(whole).hasSize(context.length + 1);
                    double score = promptLogprobs(llm, whole)[whole.length - 2];
                    if (score > best) {
                        best = score;
                        preferred[q] = c;
                    }
                }
            }
        }
        Path dir = temp.resolve("mmlu/test");
        Files.createDirectories(dir);
        // The first question's key is the model's choice, the second's is not: accuracy 1/2.
        StringBuilder csv = new StringBuilder();
        for (int q = 0; q < questions.length; q++) {
            int key = q == 0 ? preferred[q] : (preferred[q] + 1) % 4;
            csv.append('"').append(questions[q][0]).append("\",").append(String.join(",",
                    Arrays.copyOfRange(questions[q], 1, 5))).append(',').append("ABCD".charAt(key)).append('\n');
        }
        Files.writeString(dir.resolve("astronomy_test.csv"), csv);
        JsonNode result = eval("--task", "mmlu", "--data", temp.resolve("mmlu").toString(), "--output", "json");
        assertThat(result.get("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(result.get("correct").asInt()).isEqualTo(1);
        assertThat(result.at("/subjects/astronomy/total").asInt()).isEqualTo(2);
    }

    @Test
    void gsm8kGeneratesAndGrades() throws IOException {
        Path dir = temp.resolve("gsm8k");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("test.jsonl"), """
                {"question": "Tom has 3 apples and buys 4 more. How many apples does he have?", "answer": "3 + 4 = <<3+4=7>>7\\n#### 7"}
                {"question": "A box holds 12 eggs. How many eggs are in 3 boxes?", "answer": "3 * 12 = <<3*12=36>>36\\n#### 36"}
                {"question": "Sam had 10 marbles and lost 4. How many are left?", "answer": "10 - 4 = <<10-4=6>>6\\n#### 6"}
                """);
        Files.copy(dir.resolve("test.jsonl"), dir.resolve("train.jsonl"));
        JsonNode result = eval("--task", "gsm8k", "--data", dir.toString(), "--num-fewshot", "2", "--max-tokens", "8",
                "--limit", "2", "--output", "json");
        assertThat(result.get("total").asInt()).isEqualTo(2);
        assertThat(result.get("num_fewshot").asInt()).isEqualTo(2);
        double accuracy = result.get("accuracy").asDouble();
        assertThat(accuracy).isBetween(0.0, 1.0);
        assertThat(result.get("correct").asInt()).isEqualTo((int) Math.round(accuracy * 2));
    }

    @Test
    void badDataFailsBeforeTheModelLoads() throws IOException {
        Path file = temp.resolve("bad.jsonl");
        Files.writeString(file, "{\"question\": \"Q?\", \"answer\": \"no final line\"}\n");
        CommandRun run = CommandRun.of("", "eval", "--task", "gsm8k", "--model", model.toString(), "--backend", "cpu",
                "--data", file.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: " + file + " line 1: the answer has no '#### NUMBER' final line")
                .doesNotContain("loading");
        run = CommandRun.of("", "eval", "--task", "mmlu", "--model", model.toString(), "--data",
                temp.resolve("nothing").toString());
        assertThat(run.err()).startsWith("error: --data " + temp.resolve("nothing") + " does not exist");
    }

    @Test
    void textOutputIsATableAndHelpDescribesTheLayouts() throws IOException {
        Path file = temp.resolve("short.txt");
        Files.writeString(file, "A short text to score.");
        CommandRun run = CommandRun.of("", "eval", "--task", "perplexity", "--model", model.toString(), "--backend",
                "cpu", "--threads", "1", "--data", file.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("| perplexity ", "| tokens_scored ");
        CommandRun help = CommandRun.of("", "eval", "--help");
        assertThat(help.out()).contains("test/SUBJECT_test.csv", "greedy", "--num-fewshot");
    }
}
