package ai.jllm;

/**
 * An error the user can act on: bad input, a broken model file, an unsupported configuration.
 * Its message is complete on its own (it names the file, tensor, field or flag at fault), so the
 * command line prints it as one line instead of a stack trace.
 */
public class JllmException extends RuntimeException {

    public JllmException(String message) {
        super(message);
    }

    public JllmException(String message, Throwable cause) {
        super(message, cause);
    }
}
