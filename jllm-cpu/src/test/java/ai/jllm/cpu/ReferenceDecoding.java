package ai.jllm.cpu;

import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.config.ModelConfig;
import ai.jllm.model.DecoderModel;
import ai.jllm.model.ModelLoader;
import ai.jllm.weights.HfCheckpoint;
import ai.jllm.weights.WeightSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Reference decoding for tests, deliberately naive: every step recomputes the whole sequence with a fresh cache (no
 * paging tricks, no forks, no batching), then applies the textbook algorithm. The engine's batched, forked, paged
 * version must produce the same tokens.
 */
final class ReferenceDecoding implements AutoCloseable {

    private static final int MAX_TOKENS = 128;

    private final CpuBackend backend;
    private final WeightSource weights;
    private final ModelConfig config;
    private final DecoderModel model;

    ReferenceDecoding(GoldenModel golden, CpuBackend backend) {
        this.backend = backend;
        this.weights = WeightSource.open(golden.dir());
        this.config = ModelConfig.load(golden.dir());
        this.model = new DecoderModel(config, ModelLoader.load(config, new HfCheckpoint(weights, config), backend,
                l -> {}), backend, MAX_TOKENS, 1, MAX_TOKENS);
    }

    /** Log-softmax of the next-token logits after {@code tokens}, in double precision. */
    double[] nextLogprobs(int[] tokens) {
        KvCache cache = backend.allocateKvCache(config.numLayers(), MAX_TOKENS / 16, 16, config.numKeyValueHeads(),
                config.headDim());
        ForwardBatch batch = new ForwardBatch(MAX_TOKENS, 1, 16, MAX_TOKENS / 16, 1);
        batch.addSequence(tokens, 0, tokens.length, 0, IntStream.range(0, MAX_TOKENS / 16).toArray(),
                MAX_TOKENS / 16, ForwardBatch.Logits.LAST);
        float[] logits = new float[config.vocabSize()];
        backend.copyToHost(model.forward(batch, cache), 1, logits);
        double max = Double.NEGATIVE_INFINITY;
        for (float value : logits) {
            max = Math.max(max, value);
        }
        double sum = 0;
        for (float value : logits) {
            sum += Math.exp(value - max);
        }
        double log = max + Math.log(sum);
        double[] result = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            result[i] = logits[i] - log;
        }
        return result;
    }

    record Hypothesis(int[] tokens, double score, double cumulative) {}

    private record Beam(int[] tokens, double cumulative) {}

    private record Candidate(int beam, int token, double total) {}

    /**
     * Beam search as transformers runs it (no logits processors): each step the live beams' top {@code 2W}
     * continuations are ranked by cumulative logprob (ties: lower beam, then lower token); in rank order an end token
     * among the first W finishes a hypothesis scored {@code cumulative / length^lengthPenalty}, others continue until W
     * beams; the search ends when W hypotheses exist and none of the live beams can beat the worst, or at maxTokens.
     */
    List<Hypothesis> beamSearch(int[] prompt, int width, int maxTokens, double lengthPenalty, IntPredicate isEnd) {
        List<Beam> beams = List.of(new Beam(prompt, 0));
        List<Hypothesis> hypotheses = new ArrayList<>();
        Comparator<Hypothesis> best = Comparator.comparingDouble(Hypothesis::score).reversed();
        for (int length = 1; length <= maxTokens; length++) {
            List<Candidate> candidates = new ArrayList<>();
            for (int b = 0; b < beams.size(); b++) {
                double[] logprobs = nextLogprobs(beams.get(b).tokens());
                Integer[] order = IntStream.range(0, logprobs.length).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble((Integer t) -> -logprobs[t]).thenComparingInt(t -> t));
                for (int i = 0; i < 2 * width; i++) {
                    candidates.add(new Candidate(b, order[i], beams.get(b).cumulative() + logprobs[order[i]]));
                }
            }
            candidates.sort(Comparator.comparingDouble((Candidate c) -> -c.total()).thenComparingInt(Candidate::beam)
                    .thenComparingInt(Candidate::token));
            List<Beam> next = new ArrayList<>();
            for (int r = 0; r < Math.min(2 * width, candidates.size()) && next.size() < width; r++) {
                Candidate c = candidates.get(r);
                int[] tokens = append(beams.get(c.beam()).tokens(), c.token());
                if (isEnd.test(c.token())) {
                    if (r < width) {
                        hypotheses.add(new Hypothesis(output(tokens, prompt), c.total() / Math.pow(length,
                                lengthPenalty), c.total()));
                        hypotheses.sort(best);
                        if (hypotheses.size() > width) {
                            hypotheses.removeLast();
                        }
                    }
                } else {
                    next.add(new Beam(tokens, c.total()));
                }
            }
            beams = next;
            if (beams.isEmpty()) {
                break;
            }
            if (length == maxTokens) {
                for (Beam beam : beams) {
                    hypotheses.add(new Hypothesis(output(beam.tokens(), prompt),
                            beam.cumulative() / Math.pow(length, lengthPenalty), beam.cumulative()));
                }
                hypotheses.sort(best);
                while (hypotheses.size() > width) {
                    hypotheses.removeLast();
                }
                break;
            }
            double bestLive = beams.stream().mapToDouble(Beam::cumulative).max().orElseThrow();
            if (hypotheses.size() >= width
                    && hypotheses.getLast().score() >= bestLive / Math.pow(length, lengthPenalty)) {
                break;
            }
        }
        return hypotheses;
    }

    private static int[] output(int[] tokens, int[] prompt) {
        return Arrays.copyOfRange(tokens, prompt.length, tokens.length);
    }

    private static int[] append(int[] tokens, int token) {
        int[] result = Arrays.copyOf(tokens, tokens.length + 1);
        result[tokens.length] = token;
        return result;
    }

    @Override
    public void close() {
        weights.close();
    }
}
