package ai.jllm.eval;

import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * The evaluation tasks: each runs its items through the engine (a bounded number in flight) and returns its figures
 * as JSON, the headline figure first ({@code perplexity} or {@code accuracy}).
 */
public final class EvalTasks {

    private EvalTasks() {}

    /** Perplexity of {@code tokens} (the encoded text) in sliding windows; also bits per UTF-8 byte of the text. */
    public static ObjectNode perplexity(LoglikelihoodScorer scorer, int[] tokens, long textBytes, int maxLength,
                                        int stride, int inFlight, IntConsumer onDone, ObjectMapper json) {
        List<PerplexityWindows.Window> windows = PerplexityWindows.plan(tokens.length, maxLength, stride);
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("the text has fewer than 2 tokens; nothing to score");
        }
        List<double[]> scored = ParallelMap.map(windows, inFlight, window -> scorer.tokenLogprobs(
                Arrays.copyOfRange(tokens, window.begin(), window.end())), onDone);
        Perplexity perplexity = new Perplexity();
        for (int w = 0; w < windows.size(); w++) {
            PerplexityWindows.Window window = windows.get(w);
            double[] logprobs = scored.get(w);
            for (int position = window.firstTarget(); position < window.end(); position++) {
                perplexity.add(logprobs[position - window.begin()]);
            }
        }
        ObjectNode result = json.createObjectNode();
        result.put("task", "perplexity");
        result.put("perplexity", perplexity.perplexity());
        result.put("nll_per_token", perplexity.meanNll());
        result.put("bits_per_byte", perplexity.meanNll() * perplexity.tokens() / (textBytes * Math.log(2)));
        result.put("tokens", tokens.length);
        result.put("tokens_scored", perplexity.tokens());
        result.put("windows", windows.size());
        result.put("max_length", maxLength);
        result.put("stride", stride);
        return result;
    }

    /**
     * MMLU: each question's choices are scored by the log-likelihood of their letter (" A", " B", ...) after the
     * prompt, as MMLU's own evaluation and lm-evaluation-harness do; the most likely letter is the model's answer.
     * Accuracy is over all questions, and per subject.
     */
    public static ObjectNode mmlu(LoglikelihoodScorer scorer, List<MmluQuestion> questions,
                                  Function<String, List<MmluQuestion>> examples, int inFlight, IntConsumer onDone,
                                  ObjectMapper json) {
        List<Boolean> correct = ParallelMap.map(questions, inFlight, question -> {
            String prompt = question.prompt(examples.apply(question.subject()));
            double[] scores = new double[question.choices().size()];
            for (int c = 0; c < scores.length; c++) {
                scores[c] = scorer.continuation(prompt, " " + MmluQuestion.LETTERS.charAt(c));
            }
            return MmluQuestion.choose(scores) == question.answer();
        }, onDone);
        Map<String, int[]> subjects = new TreeMap<>();
        int right = 0;
        for (int i = 0; i < questions.size(); i++) {
            int[] tally = subjects.computeIfAbsent(questions.get(i).subject(), s -> new int[2]);
            tally[1]++;
            if (correct.get(i)) {
                tally[0]++;
                right++;
            }
        }
        ObjectNode result = json.createObjectNode();
        result.put("task", "mmlu");
        result.put("accuracy", (double) right / questions.size());
        result.put("correct", right);
        result.put("total", questions.size());
        ObjectNode perSubject = result.putObject("subjects");
        subjects.forEach((subject, tally) -> perSubject.putObject(subject).put("accuracy", (double) tally[0] / tally[1])
                .put("correct", tally[0]).put("total", tally[1]));
        return result;
    }

    /**
     * GSM8K: greedy generation until "Question:" or the end of sequence, then the answer is extracted two ways
     * ({@link Gsm8kAnswers}): {@code accuracy} takes the last number of the completion, {@code strict_accuracy} only
     * a number after "####".
     */
    public static ObjectNode gsm8k(LLM llm, List<Gsm8kProblem> problems, List<Gsm8kProblem> examples, int maxTokens,
                                   int inFlight, IntConsumer onDone, ObjectMapper json) {
        SamplingParams params = SamplingParams.builder().greedy().maxTokens(maxTokens)
                .stop(List.of("Question:", "</s>", "<|im_end|>")).build();
        List<String> completions = ParallelMap.map(problems, inFlight, problem -> {
            RequestOutput output = llm.generate(List.of(problem.prompt(examples)), params).getFirst();
            return output.outputs().getFirst().text();
        }, onDone);
        int flexible = 0;
        int strict = 0;
        for (int i = 0; i < problems.size(); i++) {
            String reference = problems.get(i).reference();
            if (Gsm8kAnswers.matches(Gsm8kAnswers.flexible(completions.get(i)), reference)) {
                flexible++;
            }
            if (Gsm8kAnswers.matches(Gsm8kAnswers.strict(completions.get(i)), reference)) {
                strict++;
            }
        }
        ObjectNode result = json.createObjectNode();
        result.put("task", "gsm8k");
        result.put("accuracy", (double) flexible / problems.size());
        result.put("strict_accuracy", (double) strict / problems.size());
        result.put("correct", flexible);
        result.put("strict_correct", strict);
        result.put("total", problems.size());
        result.put("num_fewshot", examples.size());
        return result;
    }

    /** UTF-8 length of a text, the denominator of bits per byte. */
    public static long utf8Bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
