package ai.jllm.config;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;

/**
 * The element type of the KV cache: the activation type, or 8 bits with a scale per (token, kv head). An 8-bit cache
 * holds 1 byte per element plus {@link #scaleBytesPerHead} bytes per (token, kv head) for K and again for V, so for a
 * head dim of 128 it takes 33/64 of a bf16 cache: 1.94× the tokens in the same memory.
 */
public enum KvCacheDtype {
    /** The backend's activation type (float32 on the CPU, bfloat16 on CUDA). */
    AUTO("auto"),
    /** E4M3 codes ({@link ai.jllm.tensor.Fp8E4m3}), scale = amax / 448 per (token, kv head). */
    FP8("fp8"),
    /** Symmetric int8 codes in [-127, 127], scale = amax / 127 per (token, kv head). */
    INT8("int8");

    /** An fp32 scale per (token, kv head) of K and of V: computed when the token is written, no calibration. */
    private static final int SCALE_BYTES = Float.BYTES;

    private final String optionName;

    KvCacheDtype(String optionName) {
        this.optionName = optionName;
    }

    public String optionName() {
        return optionName;
    }

    /** Whether the cache holds 8-bit codes with scales. */
    public boolean quantized() {
        return this != AUTO;
    }

    /** Bytes of one cached element on a backend whose activations are {@code activationType}. */
    public int elementBytes(DType activationType) {
        return quantized() ? 1 : activationType.byteSize();
    }

    /** Bytes of scale that one (token, kv head) row of K (or of V) carries: 4 for the 8-bit types, else 0. */
    public int scaleBytesPerHead() {
        return quantized() ? SCALE_BYTES : 0;
    }

    /** The largest code magnitude the scale maps a row's amax to: 448 for E4M3, 127 for int8. */
    public float codeMax() {
        return switch (this) {
            case FP8 -> 448f;
            case INT8 -> 127f;
            case AUTO -> throw new IllegalStateException("an auto KV cache is not quantized");
        };
    }

    public static KvCacheDtype parse(String name) {
        for (KvCacheDtype dtype : values()) {
            if (dtype.optionName.equals(name)) {
                return dtype;
            }
        }
        throw new JllmException("unknown KV-cache dtype '" + name + "' (choose auto, fp8, int8)");
    }
}
