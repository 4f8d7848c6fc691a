package ai.jllm.config;

import ai.jllm.JllmException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The model families jllm can run, named as Hugging Face names them in config.json. */
public enum Architecture {
    LLAMA("LlamaForCausalLM", "llama"),
    MISTRAL("MistralForCausalLM", "mistral"),
    QWEN2("Qwen2ForCausalLM", "qwen2"),
    QWEN3("Qwen3ForCausalLM", "qwen3");

    private final String hfName;
    private final String modelType;

    Architecture(String hfName, String modelType) {
        this.hfName = hfName;
        this.modelType = modelType;
    }

    /** The class name in config.json's {@code architectures}, e.g. {@code "LlamaForCausalLM"}. */
    public String hfName() {
        return hfName;
    }

    /** The {@code model_type} in config.json, e.g. {@code "llama"}. */
    public String modelType() {
        return modelType;
    }

    public static Architecture fromHfName(String name) {
        for (Architecture architecture : values()) {
            if (architecture.hfName.equals(name)) {
                return architecture;
            }
        }
        throw new JllmException("unsupported architecture '" + name + "' (supported: "
                + Arrays.stream(values()).map(Architecture::hfName).collect(Collectors.joining(", ")) + ")");
    }

    public static Architecture fromModelType(String modelType) {
        for (Architecture architecture : values()) {
            if (architecture.modelType.equals(modelType)) {
                return architecture;
            }
        }
        throw new JllmException("unsupported model_type '" + modelType + "' (supported: "
                + Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", ")) + ")");
    }
}
