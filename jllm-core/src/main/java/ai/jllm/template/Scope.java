package ai.jllm.template;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of a render. Loop iterations, macros, with-blocks and call blocks open a
 * child scope; if-blocks do not. As in jinja2, a {@code set} inside a loop body is gone at the next iteration.
 */
final class Scope {

    private final Scope parent;
    private Map<String, Object> variables;

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** A scope holding {@code variables} on top of {@code parent} (null for the outermost, global scope). */
    static Scope of(Map<String, Object> variables, Scope parent) {
        Scope scope = new Scope(parent);
        scope.variables = new HashMap<>(variables);
        return scope;
    }

    /** The variable's value, or Undefined naming it when no scope up the chain defines it. */
    Object resolve(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            Map<String, Object> vars = scope.variables;
            if (vars != null) {
                Object value = vars.get(name);
                if (value != null || vars.containsKey(name)) {
                    return value;
                }
            }
        }
        return Undefined.variable(name);
    }

    void set(String name, Object value) {
        if (variables == null) {
            variables = new HashMap<>();
        }
        variables.put(name, value);
    }
}
