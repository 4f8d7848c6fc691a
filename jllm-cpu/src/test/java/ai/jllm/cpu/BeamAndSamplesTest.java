package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.sampling.Philox;
import ai.jllm.sampling.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** n > 1 and beam search in the engine against references computed in the test without the engine. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BeamAndSamplesTest {

    private final GoldenModel golden = GoldenModel.load("llama3");
    private CpuBackend backend;
    private LLM llm;
    private ReferenceDecoding reference;

    @BeforeAll
    void start() {
        backend = new CpuBackend(2);
        llm = LLM.builder().model(golden.dir()).backend(backend).maxBatchSize(8).maxNumTokens(64).maxSeqLen(96)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(4).withMaxTokens(1024)).build();
        reference = new ReferenceDecoding(golden, backend);
    }

    @AfterAll
    void stop() {
        llm.close();
        reference.close();
        backend.close();
    }

    /** transformers' beam search, recomputed naively, gives the same hypotheses in the same order. */
    @ParameterizedTest(name = "prompt {0}, width {1}, n {2}, length penalty {3}, max tokens {4}")
    @CsvSource({"1,2,2,1.0,8", "2,3,3,1.0,10", "1,4,2,0.0,6", "2,4,1,2.0,9", "0,3,2,-1.0,12"})
    void beamSearchMatchesTheReference(int prompt, int width, int n, double lengthPenalty, int maxTokens) {
        int[] tokens = golden.prompts().get(prompt);
        RequestOutput output = llm.generateTokens(List.of(tokens), SamplingParams.builder().greedy()
                .maxTokens(maxTokens).beamWidth(width).n(n).lengthPenalty(lengthPenalty).build()).getFirst();
        // The golden models end on tokens 2 and 3 (generation_config.json).
        List<ReferenceDecoding.Hypothesis> expected = reference.beamSearch(tokens, width, maxTokens, lengthPenalty,
                token -> token == 2 || token == 3);
        assertThat(output.outputs()).hasSize(Math.min(n, expected.size()));
        for (int i = 0; i < output.outputs().size(); i++) {
            CompletionOutput actual = output.outputs().get(i);
            assertThat(actual.tokenIds()).as("hypothesis %d", i).containsExactly(expected.get(i).tokens());
            assertThat(actual.cumulativeLogprob()).as("hypothesis %d", i)
                    .isCloseTo(expected.get(i).cumulative(), org.assertj.core.data.Offset.offset(1e-3));
        }
        assertThat(llm.executor().stats().kvBlocksUsed()).isZero();
    }

    /** Sample i of an n-sample request is the single-sample request seeded with Philox.sampleSeed(seed, i). */
    @ParameterizedTest(name = "n {0}, seed {1}")
    @CsvSource({"2,5", "4,77", "3,-12345"})
    void parallelSamplesAreTheirSeededSingleSamples(int n, long seed) {
        int[] tokens = golden.prompts().get(2);
        SamplingParams params = SamplingParams.builder().temperature(0.8).topP(0.9).seed(seed).maxTokens(10)
                .ignoreEos(true).n(n).build();
        RequestOutput output = llm.generateTokens(List.of(tokens), params).getFirst();
        assertThat(output.outputs()).hasSize(n);
        for (int i = 0; i < n; i++) {
            SamplingParams single = params.toBuilder().n(1).seed(Philox.sampleSeed(seed, i)).build();
            int[] alone = llm.generateTokens(List.of(tokens), single).getFirst().outputs().getFirst().tokenIds();
            assertThat(output.outputs().get(i).tokenIds()).as("sample %d", i).containsExactly(alone);
        }
    }
}
