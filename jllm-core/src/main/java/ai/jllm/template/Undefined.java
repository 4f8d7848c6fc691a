package ai.jllm.template;

/**
 * jinja2's default Undefined: the value of a missing variable, attribute or item. It is falsy, prints as "",
 * iterates as empty and has length 0; any other use (attribute access, arithmetic, comparison, calling) fails
 * with the message jinja2 would give, which records how the value was reached.
 */
final class Undefined {

    private final String hint;
    private final Object owner;
    private final Object name;
    private final Origin origin;

    private enum Origin { VARIABLE, MEMBER, HINT }

    private Undefined(Origin origin, String hint, Object owner, Object name) {
        this.origin = origin;
        this.hint = hint;
        this.owner = owner;
        this.name = name;
    }

    static Undefined variable(String name) {
        return new Undefined(Origin.VARIABLE, "", null, name);
    }

    /** A missing attribute (string name) or element (any other key) of {@code owner}. */
    static Undefined member(Object owner, Object name) {
        return new Undefined(Origin.MEMBER, "", owner, name);
    }

    static Undefined withHint(String hint) {
        return new Undefined(Origin.HINT, hint, null, null);
    }

    /** What the sandbox returns for methods that would modify a list or dict: defined nowhere, fatal when used. */
    static Undefined unsafe(Object owner, String attribute) {
        return withHint("access to attribute '" + attribute + "' of '" + PyValues.typeName(owner)
                + "' object is unsafe.");
    }

    String message() {
        return switch (origin) {
            case HINT -> hint;
            case VARIABLE -> PyStrings.repr(name) + " is undefined";
            case MEMBER -> name instanceof String
                    ? "'" + PyValues.objectTypeRepr(owner) + "' has no attribute " + PyStrings.repr(name)
                    : PyValues.objectTypeRepr(owner) + " has no element " + PyStrings.repr(name);
        };
    }

    TemplateError fail() {
        return TemplateError.of(message());
    }

    @Override
    public String toString() {
        return "";
    }
}
