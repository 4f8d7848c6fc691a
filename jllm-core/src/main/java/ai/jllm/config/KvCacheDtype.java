package ai.jllm.config;

import ai.jllm.JllmException;

/** The element type of an engine's KV cache: the activation type, or 8-bit with scales (halving the cache). */
public enum KvCacheDtype {
    /** The backend's activation type (float32 on the CPU, bfloat16 on CUDA). */
    AUTO("auto"),
    FP8("fp8"),
    INT8("int8");

    private final String optionName;

    KvCacheDtype(String optionName) {
        this.optionName = optionName;
    }

    public String optionName() {
        return optionName;
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
