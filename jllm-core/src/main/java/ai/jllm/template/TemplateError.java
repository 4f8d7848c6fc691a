package ai.jllm.template;

import ai.jllm.JllmException;

/**
 * A runtime error raised while rendering, worded like the Python exception jinja2 would raise
 * ("'dict object' has no attribute 'x'"). The renderer adds the template name and line once, on the
 * way out, so the code raising it does not need to know where it is.
 */
final class TemplateError extends JllmException {

    private final boolean located;

    private TemplateError(String message, boolean located) {
        super(message);
        this.located = located;
    }

    static TemplateError of(String message) {
        return new TemplateError(message, false);
    }

    static TemplateError syntax(String templateName, int line, String message) {
        return new TemplateError("syntax error in chat template " + templateName + " line " + line + ": " + message, true);
    }

    boolean isLocated() {
        return located;
    }

    TemplateError locate(String templateName, int line) {
        return new TemplateError("error in chat template " + templateName + " line " + line + ": " + getMessage(), true);
    }
}
