package ai.jllm.sampling;

import ai.jllm.JllmException;

/**
 * A sampling parameter out of its range. {@link #parameter()} is the parameter's OpenAI / vLLM request name
 * ({@code top_p}, {@code stop}, ...), which the server reports as the error's {@code param}.
 */
public final class SamplingParameterException extends JllmException {

    private final String parameter;

    public SamplingParameterException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
