package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.backend.Tensor;
import ai.jllm.sampling.HostSampling;
import ai.jllm.sampling.LogprobsMode;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.sampling.SamplingParams;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA sampling op against {@link HostSampling}, the reference, on the same logits (fresh random rows, peaked like a
 * trained model's or flat like a random one's; some rows shared as n samples of one prompt), every setting of the
 * contract in one batch: greedy, temperature, top-k, top-p, min-p, penalties, masks, seeded draws, and logprobs in both
 * modes with top entries. Criteria:
 * <ul>
 *   <li>greedy rows: the same token, always;</li>
 *   <li>sampled rows: the same token on every row the host decides firmly — the host chooses the same token again
 *       when every logit x is moved by up to {@link #PERTURBATION} × (1 + |x|), in {@link #PERTURBATIONS} random ways.
 *       Other rows are razor-thin (the drawn target or the top-p mass lands within rounding of a cumulative sum,
 *       where the GPU's float exponentials and differently ordered sums may go either way): counted, not asserted;</li>
 *   <li>log probabilities within {@link #LOGPROB_TOLERANCE}, ranks equal, top entries equal where their order is
 *       not a near-tie; rows that ask for none keep what their output fields held.</li>
 * </ul>
 */
@Tag("cuda")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaSamplingTest {

    static final double LOGPROB_TOLERANCE = 1e-4;
    static final double PERTURBATION = 1e-5;
    static final int PERTURBATIONS = 4;
    private static final int MAX_TOP = 32;
    private static final float UNTOUCHED = 777f;

    private CudaBackend cuda;

    @BeforeAll
    void start() {
        cuda = CudaBackend.create();
    }

    @AfterAll
    void stop() {
        if (cuda != null) {
            cuda.close();
        }
    }

    private enum Extra { NONE, PENALTIES, MASKS, PENALIZED_LOGPROBS }

    private record Setting(SamplingParams params, Extra extra) {}

    private static SamplingParams.Builder params() {
        return SamplingParams.builder();
    }

    private static List<Setting> settings() {
        return List.of(
                new Setting(params().greedy().build(), Extra.NONE),
                new Setting(params().greedy().logprobs(5).build(), Extra.NONE),
                new Setting(params().temperature(1.0).build(), Extra.NONE),
                new Setting(params().temperature(0.7).logprobs(20).build(), Extra.NONE),
                new Setting(params().topK(40).build(), Extra.NONE),
                new Setting(params().temperature(0.8).topK(1).build(), Extra.NONE),
                new Setting(params().topP(0.9).build(), Extra.NONE),
                new Setting(params().temperature(0.6).topP(0.5).build(), Extra.NONE),
                new Setting(params().minP(0.1).build(), Extra.NONE),
                new Setting(params().temperature(1.2).topK(100).topP(0.8).minP(0.02).build(), Extra.NONE),
                new Setting(params().temperature(0.8).repetitionPenalty(1.3).presencePenalty(0.4)
                        .frequencyPenalty(0.2).logprobs(20).build(), Extra.PENALTIES),
                new Setting(params().topP(0.95).repetitionPenalty(0.8).frequencyPenalty(-0.5).build(),
                        Extra.PENALIZED_LOGPROBS),
                new Setting(params().topK(50).build(), Extra.MASKS),
                new Setting(params().greedy().build(), Extra.MASKS),
                new Setting(params().topK(5000).topP(0.99).build(), Extra.NONE),
                new Setting(params().temperature(2.5).logprobs(3).build(), Extra.NONE));
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 32000, 151936})
    void tokensAndLogprobsMatchHostSampling(int vocab) {
        long seed = System.nanoTime();
        System.out.println("sampling, vocabulary " + vocab + ": seed " + seed);
        Random random = new Random(seed);
        List<Setting> settings = settings();
        int rows = 2 * settings.size();
        SamplingBatch batch = new SamplingBatch(rows, vocab, rows * 128, rows * 64);
        float[] logits = new float[rows * vocab];
        int logitsRows = 0;
        for (int r = 0; r < rows; r++) {
            Setting setting = settings.get(r / 2);
            boolean shared = r % 4 == 3;
            if (!shared) {
                fill(logits, logitsRows++, vocab, r % 2 == 0, random);
            }
            int logitsRow = logitsRows - 1;
            long counter = random.nextBoolean() ? random.nextInt(1000) : random.nextLong() >>> 20;
            batch.addRow(logitsRow, setting.params(), random.nextLong(), counter);
            addExtras(batch, setting.extra(), logits, logitsRow, vocab, random);
        }
        Tensor device = cuda.upload(Arrays.copyOf(logits, logitsRows * vocab), logitsRows, vocab);
        HostSampling host = new HostSampling(vocab);
        SampleOutput expected = new SampleOutput(rows, MAX_TOP);
        host.sample(logits, batch, expected);
        SampleOutput actual = new SampleOutput(rows, MAX_TOP);
        Arrays.fill(actual.logprobs(), UNTOUCHED);
        cuda.sample(device, batch, actual);

        boolean[] firm = firmRows(host, logits, batch, expected, vocab, random);
        int sampled = 0;
        int razorThin = 0;
        for (int r = 0; r < rows; r++) {
            String where = "vocabulary " + vocab + " row " + r + " (" + settings.get(r / 2) + ")";
            if (batch.greedy(r)) {
                assertThat(actual.tokenId(r)).as(where + ": greedy token").isEqualTo(expected.tokenId(r));
            } else {
                sampled++;
                if (firm[r]) {
                    assertThat(actual.tokenId(r)).as(where + ": sampled token").isEqualTo(expected.tokenId(r));
                } else {
                    razorThin++;
                }
            }
            if (batch.logprobsMode(r) == LogprobsMode.NONE) {
                assertThat(actual.logprob(r)).as(where + ": logprob of a row that asked for none").isEqualTo(
                        UNTOUCHED);
            } else if (actual.tokenId(r) == expected.tokenId(r)) {
                compareLogprobs(actual, expected, r, batch.numTopLogprobs()[r], where);
            }
        }
        System.out.printf("sampling, vocabulary %d: %d rows, %d sampled, %d razor-thin (not asserted)%n", vocab, rows,
                sampled, razorThin);
        assertThat(razorThin).as("razor-thin rows").isLessThanOrEqualTo(sampled / 3);
        timeAgainstHost(host, logits, device, batch, vocab);
    }

    @Test
    void rowsWithEveryTokenMaskedChooseTokenZero() {
        int vocab = 1000;
        SamplingBatch batch = new SamplingBatch(2, vocab, 2 * vocab, 0);
        float[] logits = new float[vocab];
        fill(logits, 0, vocab, true, new Random(5));
        for (SamplingParams params : List.of(params().greedy().build(), params().topP(0.9).logprobs(2).build())) {
            batch.addRow(0, params, 42, 7);
            for (int token = 0; token < vocab; token++) {
                batch.maskToken(token);
            }
        }
        batch.setLogprobs(LogprobsMode.PENALIZED, 2);
        SampleOutput actual = new SampleOutput(2, 4);
        cuda.sample(cuda.upload(logits, 1, vocab), batch, actual);
        SampleOutput expected = new SampleOutput(2, 4);
        new HostSampling(vocab).sample(logits, batch, expected);
        assertThat(actual.tokenIds()).containsExactly(expected.tokenIds());
        assertThat(actual.tokenIds()).containsExactly(0, 0);
    }

    /** Peaked rows: a few tokens far above the rest (one exact tie among them); flat rows: all tokens close. */
    private static void fill(float[] logits, int row, int vocab, boolean peaked, Random random) {
        int offset = row * vocab;
        for (int i = 0; i < vocab; i++) {
            logits[offset + i] = (float) (random.nextGaussian() * (peaked ? 1.5 : 0.3));
        }
        if (peaked) {
            float[] boosts = {6f, 5.5f, 5f, 4f, 3f};
            int first = random.nextInt(vocab);
            for (float boost : boosts) {
                logits[offset + random.nextInt(vocab)] += boost;
            }
            logits[offset + first] = 9f;
            logits[offset + (first + 1 + random.nextInt(vocab - 1)) % vocab] = 9f;
        }
    }

    private static void addExtras(SamplingBatch batch, Extra extra, float[] logits, int logitsRow, int vocab,
                                  Random random) {
        int top = argmax(logits, logitsRow * vocab, vocab);
        switch (extra) {
            case NONE -> { }
            case MASKS -> {
                batch.maskToken(top);
                for (int i = 0; i < 64; i++) {
                    batch.maskToken(random.nextInt(vocab));
                }
            }
            case PENALTIES, PENALIZED_LOGPROBS -> {
                Set<Integer> listed = new HashSet<>();
                listed.add(top);
                while (listed.size() < 40) {
                    listed.add(random.nextInt(vocab));
                }
                for (int token : listed) {
                    batch.addPenaltyToken(token, random.nextInt(4), random.nextBoolean());
                }
                batch.maskToken(random.nextInt(vocab));
                if (extra == Extra.PENALIZED_LOGPROBS) {
                    batch.setLogprobs(LogprobsMode.PENALIZED, 10);
                }
            }
        }
    }

    /** Rows the host samples the same way under small perturbations of every logit (see the class comment). */
    private static boolean[] firmRows(HostSampling host, float[] logits, SamplingBatch batch, SampleOutput expected,
                                      int vocab, Random random) {
        boolean[] firm = new boolean[batch.numRows()];
        Arrays.fill(firm, true);
        SampleOutput perturbedOut = new SampleOutput(batch.numRows(), MAX_TOP);
        float[] perturbed = new float[logits.length];
        for (int p = 0; p < PERTURBATIONS; p++) {
            for (int i = 0; i < logits.length; i++) {
                double size = PERTURBATION * (1 + Math.abs(logits[i]));
                perturbed[i] = (float) (logits[i] + (2 * random.nextDouble() - 1) * size);
            }
            host.sample(perturbed, batch, perturbedOut);
            for (int r = 0; r < batch.numRows(); r++) {
                firm[r] &= perturbedOut.tokenId(r) == expected.tokenId(r);
            }
        }
        return firm;
    }

    private static void compareLogprobs(SampleOutput actual, SampleOutput expected, int r, int count, String where) {
        assertThat((double) actual.logprob(r)).as(where + ": logprob").isCloseTo(expected.logprob(r),
                within(LOGPROB_TOLERANCE));
        assertThat(actual.rank(r)).as(where + ": rank").isEqualTo(expected.rank(r));
        for (int i = 0; i < count; i++) {
            float value = expected.topLogprob(r, i);
            if (value == Float.NEGATIVE_INFINITY) {
                assertThat(actual.topLogprob(r, i)).as(where + ": top " + i).isEqualTo(value);
                continue;
            }
            assertThat((double) actual.topLogprob(r, i)).as(where + ": top logprob " + i).isCloseTo(value,
                    within(LOGPROB_TOLERANCE));
            boolean clearAbove = i == 0 || expected.topLogprob(r, i - 1) - value > 1e-5;
            boolean clearBelow = i == count - 1 || value - expected.topLogprob(r, i + 1) > 1e-5;
            if (clearAbove && clearBelow) {
                assertThat(actual.topTokenId(r, i)).as(where + ": top id " + i).isEqualTo(expected.topTokenId(r, i));
            }
        }
    }

    /** Prints the GPU op's time for the batch next to the host path's (copy of the logits rows plus HostSampling). */
    private void timeAgainstHost(HostSampling host, float[] logits, Tensor device, SamplingBatch batch, int vocab) {
        SampleOutput out = new SampleOutput(batch.numRows(), MAX_TOP);
        int repeats = 20;
        long start = System.nanoTime();
        for (int i = 0; i < repeats; i++) {
            cuda.sample(device, batch, out);
        }
        double gpu = (System.nanoTime() - start) / 1e6 / repeats;
        int rows = (int) CudaTensor.of(device).rows();
        float[] copy = new float[rows * vocab];
        start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            cuda.copyToHost(device, rows, copy);
            host.sample(logits, batch, out);
        }
        double hostMillis = (System.nanoTime() - start) / 1e6 / 3;
        System.out.printf("sampling, vocabulary %d, %d rows: GPU %.3f ms, host (copy + HostSampling) %.3f ms%n",
                vocab, batch.numRows(), gpu, hostMillis);
    }

    private static int argmax(float[] values, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
