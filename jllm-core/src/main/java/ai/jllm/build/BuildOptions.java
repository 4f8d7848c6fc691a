package ai.jllm.build;

import ai.jllm.config.KvCacheDtype;
import ai.jllm.config.QuantScheme;
import ai.jllm.tensor.DType;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@code jllm build} is asked for, before it is checked against the model (see {@link EngineBuilder}).
 *
 * @param dtype        the dense weights' type; empty for the checkpoint's own (bfloat16 when it is float32)
 * @param quantization empty for the checkpoint's own: none, or int4 for a GPTQ/AWQ checkpoint
 * @param groupSize    int4 input columns per scale; empty for 128, or a GPTQ/AWQ checkpoint's own
 * @param maxSeqLen    empty for the model's max_position_embeddings
 */
public record BuildOptions(Optional<DType> dtype, Optional<QuantScheme> quantization, OptionalInt groupSize,
                           KvCacheDtype kvCacheDtype, int tpSize, int maxBatchSize, OptionalInt maxSeqLen,
                           int maxNumTokens) {

    public static final int DEFAULT_GROUP_SIZE = 128;
    public static final int DEFAULT_MAX_BATCH_SIZE = 256;
    public static final int DEFAULT_MAX_NUM_TOKENS = 8192;

    public BuildOptions {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(quantization, "quantization");
        Objects.requireNonNull(groupSize, "groupSize");
        Objects.requireNonNull(kvCacheDtype, "kvCacheDtype");
        Objects.requireNonNull(maxSeqLen, "maxSeqLen");
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Optional<DType> dtype = Optional.empty();
        private Optional<QuantScheme> quantization = Optional.empty();
        private OptionalInt groupSize = OptionalInt.empty();
        private KvCacheDtype kvCacheDtype = KvCacheDtype.AUTO;
        private int tpSize = 1;
        private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
        private OptionalInt maxSeqLen = OptionalInt.empty();
        private int maxNumTokens = DEFAULT_MAX_NUM_TOKENS;

        public Builder dtype(DType dtype) {
            this.dtype = Optional.of(dtype);
            return this;
        }

        public Builder quantization(QuantScheme quantization) {
            this.quantization = Optional.of(quantization);
            return this;
        }

        public Builder groupSize(int groupSize) {
            this.groupSize = OptionalInt.of(groupSize);
            return this;
        }

        public Builder kvCacheDtype(KvCacheDtype kvCacheDtype) {
            this.kvCacheDtype = kvCacheDtype;
            return this;
        }

        public Builder tpSize(int tpSize) {
            this.tpSize = tpSize;
            return this;
        }

        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        public Builder maxSeqLen(int maxSeqLen) {
            this.maxSeqLen = OptionalInt.of(maxSeqLen);
            return this;
        }

        public Builder maxNumTokens(int maxNumTokens) {
            this.maxNumTokens = maxNumTokens;
            return this;
        }

        public BuildOptions build() {
            return new BuildOptions(dtype, quantization, groupSize, kvCacheDtype, tpSize, maxBatchSize, maxSeqLen,
                    maxNumTokens);
        }
    }
}
