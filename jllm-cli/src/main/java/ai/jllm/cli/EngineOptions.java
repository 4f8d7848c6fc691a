package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.config.ModelConfig;
import ai.jllm.engine.EngineConfig;
import picocli.CommandLine.Option;

/** The engine limits shared by the commands that run a model (generate, and later serve and bench). */
final class EngineOptions {

    @Option(names = "--backend", paramLabel = "BACKEND", defaultValue = "auto", converter = BackendConverter.class,
            description = "Where the model runs: cuda (GPU 0), cpu, or auto: the GPU when one is usable, else the CPU "
                    + "(default: ${DEFAULT-VALUE}).")
    BackendChoice backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "CPU backend threads; 0 means one per core (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "8",
            description = "Sequences that run together in one step (default: ${DEFAULT-VALUE}).")
    int maxBatchSize;

    @Option(names = "--max-num-tokens", paramLabel = "N", defaultValue = "2048",
            description = "Tokens one step may process, prompt chunks and decodes together (default: ${DEFAULT-VALUE}).")
    int maxNumTokens;

    @Option(names = "--max-seq-len", paramLabel = "N",
            description = "Prompt plus output tokens of one sequence (default: the model's max_position_embeddings, "
                    + "at most 4096).")
    Integer maxSeqLen;

    @Option(names = "--kv-cache-tokens", paramLabel = "N",
            description = "Tokens the KV cache holds over all sequences (default: max batch size x max seq len, "
                    + "limited to half of the free Java heap).")
    Integer kvCacheTokens;

    private static final int BLOCK_SIZE = 16;

    EngineConfig engineConfig(ModelConfig model) {
        int seqLen = maxSeqLen != null ? maxSeqLen : Math.min(model.maxPositionEmbeddings(), 4096);
        // The CPU backend keeps keys and values as float32 on the Java heap.
        long bytesPerToken = 2L * model.numLayers() * model.kvSize() * Float.BYTES;
        Runtime runtime = Runtime.getRuntime();
        long freeHeap = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
        long affordable = freeHeap / 2 / bytesPerToken;
        int tokens;
        if (kvCacheTokens != null) {
            tokens = kvCacheTokens;
        } else {
            tokens = (int) Math.min((long) maxBatchSize * seqLen, Math.min(affordable, Integer.MAX_VALUE));
            if (tokens < Math.min(seqLen, 256)) {
                throw new JllmException("the Java heap leaves room for only " + tokens + " KV-cache tokens; give it more "
                        + "memory with JLLM_JAVA_OPTS=-Xmx<size> or lower --max-seq-len");
            }
        }
        return new EngineConfig(maxBatchSize, Math.max(maxNumTokens, maxBatchSize), seqLen, BLOCK_SIZE, tokens);
    }

    static final class BackendConverter implements picocli.CommandLine.ITypeConverter<BackendChoice> {
        @Override
        public BackendChoice convert(String value) {
            return BackendChoice.parse(value);
        }
    }
}
