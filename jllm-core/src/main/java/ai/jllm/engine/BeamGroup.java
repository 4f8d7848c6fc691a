package ai.jllm.engine;

import ai.jllm.api.CompletionOutput;
import ai.jllm.sampling.BeamCandidates;
import ai.jllm.sampling.BeamSearch;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * The beams of one beam-search request (transformers' algorithm): each step every live beam offers its top
 * {@code 2 × beamWidth} continuations, the best {@code beamWidth} continue (a beam chosen twice is forked, sharing its
 * KV blocks; a beam chosen never is dropped), continuations that end become finished hypotheses, and the search stops
 * when no live beam can beat the worst of {@code beamWidth} hypotheses, or at max_tokens.
 */
final class BeamGroup {

    /** What a beam step needs from the engine. */
    interface Host {
        /** A new beam that shares {@code parent}'s tokens and blocks and runs from the next step. */
        SampleState fork(SampleState parent);

        /** Ends a beam and releases its blocks. */
        void drop(SampleState beam);
    }

    private record Hypothesis(int[] tokens, double score, double cumulativeLogprob, boolean ended) {}

    private static final Comparator<Hypothesis> BEST_FIRST =
            Comparator.comparingDouble(Hypothesis::score).reversed();

    private final int beamWidth;
    private final int returned;
    private final double lengthPenalty;
    private final int maxTokens;
    private final IntPredicate isEnd;
    private final Optional<Tokenizer> tokenizer;
    private final boolean skipSpecialTokens;
    private final List<SampleState> live = new ArrayList<>();
    private double[] cumulative;
    private final List<Hypothesis> hypotheses = new ArrayList<>();
    private final BeamCandidates ranked;
    private final BeamCandidates continuing;
    private final BeamCandidates finishing;
    private boolean done;

    BeamGroup(int beamWidth, int returned, double lengthPenalty, int maxTokens, IntPredicate isEnd,
              Optional<Tokenizer> tokenizer, boolean skipSpecialTokens) {
        this.beamWidth = beamWidth;
        this.returned = returned;
        this.lengthPenalty = lengthPenalty;
        this.maxTokens = maxTokens;
        this.isEnd = isEnd;
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        this.cumulative = new double[beamWidth];
        this.ranked = new BeamCandidates(2 * beamWidth);
        this.continuing = new BeamCandidates(2 * beamWidth);
        this.finishing = new BeamCandidates(2 * beamWidth);
    }

    void start(SampleState first) {
        live.add(first);
    }

    /** Live beams in the order their rows are sampled. */
    List<SampleState> live() {
        return live;
    }

    int perBeamCandidates() {
        return 2 * beamWidth;
    }

    boolean done() {
        return done;
    }

    /** One step over the live beams' rows {@code [firstRow, firstRow + live().size())} of {@code out}. */
    void step(SampleOutput out, int firstRow, Host host) {
        int beams = live.size();
        int outputLength = live.getFirst().sequence.outputLength();
        BeamSearch.rankCandidates(out, firstRow, beams, cumulative, 2 * beamWidth, ranked);
        BeamSearch.selectBeams(ranked, beamWidth, isEnd, continuing, finishing);
        for (int i = 0; i < finishing.size(); i++) {
            int[] tokens = append(outputTokens(live.get(finishing.beam(i))), finishing.tokenId(i));
            addHypothesis(new Hypothesis(tokens, BeamSearch.score(finishing.cumulativeLogprob(i), tokens.length,
                    lengthPenalty), finishing.cumulativeLogprob(i), true));
        }
        int[] uses = new int[beams];
        for (int i = 0; i < continuing.size(); i++) {
            uses[continuing.beam(i)]++;
        }
        // Forks copy their parent's tokens as they are now, so they are made before any parent appends its token.
        List<List<SampleState>> copies = new ArrayList<>(beams);
        for (int b = 0; b < beams; b++) {
            List<SampleState> forBeam = new ArrayList<>();
            forBeam.add(live.get(b));
            for (int k = 1; k < uses[b]; k++) {
                forBeam.add(host.fork(live.get(b)));
            }
            copies.add(forBeam);
        }
        List<SampleState> next = new ArrayList<>(continuing.size());
        double[] nextCumulative = new double[beamWidth];
        int[] taken = new int[beams];
        for (int i = 0; i < continuing.size(); i++) {
            int b = continuing.beam(i);
            SampleState beam = copies.get(b).get(taken[b]++);
            beam.accept(continuing.tokenId(i), Optional.empty());
            nextCumulative[next.size()] = continuing.cumulativeLogprob(i);
            next.add(beam);
        }
        for (int b = 0; b < beams; b++) {
            if (uses[b] == 0) {
                host.drop(live.get(b));
            }
        }
        live.clear();
        live.addAll(next);
        cumulative = nextCumulative;
        int length = outputLength + 1;
        if (live.isEmpty()) {
            done = true;
        } else if (length >= maxTokens) {
            for (int b = 0; b < live.size(); b++) {
                addHypothesis(new Hypothesis(outputTokens(live.get(b)),
                        BeamSearch.score(cumulative[b], length, lengthPenalty), cumulative[b], false));
            }
            done = true;
        } else if (hypotheses.size() >= beamWidth) {
            double best = Arrays.stream(cumulative, 0, live.size()).max().orElseThrow();
            done = hypotheses.getLast().score() >= BeamSearch.score(best, length, lengthPenalty);
        }
        if (done) {
            for (SampleState beam : live) {
                host.drop(beam);
            }
            live.clear();
        }
    }

    /** Ends the search now (cancellation): live beams are dropped, the hypotheses so far stay. */
    void abort(Host host) {
        for (SampleState beam : live) {
            host.drop(beam);
        }
        live.clear();
        done = true;
    }

    /** The best {@code n} hypotheses, best first. */
    List<CompletionOutput> results() {
        List<CompletionOutput> outputs = new ArrayList<>();
        for (int i = 0; i < Math.min(returned, hypotheses.size()); i++) {
            Hypothesis hypothesis = hypotheses.get(i);
            String text = tokenizer.map(t -> t.decode(hypothesis.tokens(), skipSpecialTokens)).orElse("");
            outputs.add(new CompletionOutput(i, text, hypothesis.tokens(), List.of(), hypothesis.cumulativeLogprob(),
                    Optional.of(hypothesis.ended() ? FinishReason.STOP : FinishReason.LENGTH), Optional.empty()));
        }
        return outputs;
    }

    private void addHypothesis(Hypothesis hypothesis) {
        hypotheses.add(hypothesis);
        hypotheses.sort(BEST_FIRST);
        if (hypotheses.size() > beamWidth) {
            hypotheses.removeLast();
        }
    }

    private static int[] outputTokens(SampleState beam) {
        return Arrays.copyOfRange(beam.sequence.tokens(), beam.sequence.promptLength(), beam.sequence.length());
    }

    private static int[] append(int[] tokens, int token) {
        int[] result = Arrays.copyOf(tokens, tokens.length + 1);
        result[tokens.length] = token;
        return result;
    }
}
