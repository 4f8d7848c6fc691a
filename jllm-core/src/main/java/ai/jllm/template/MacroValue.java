package ai.jllm.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A macro (or the {@code caller} of a call block) as a callable value. Its body runs in a new scope whose
 * parent is the scope it was defined in, so it sees that scope's variables as they are when it is called.
 */
final class MacroValue implements PyCallable {

    private final String name;
    private final Stmt.Signature signature;
    private final List<Stmt> body;
    private final Frame frame;
    private final Scope closure;
    private final Renderer renderer;

    MacroValue(String name, Stmt.Signature signature, List<Stmt> body, Frame frame, Scope closure, Renderer renderer) {
        this.name = name;
        this.signature = signature;
        this.body = body;
        this.frame = frame;
        this.closure = closure;
        this.renderer = renderer;
    }

    @Override
    public Object call(List<Object> positional, Map<String, Object> keywords) {
        Map<String, Object> remaining = new LinkedHashMap<>(keywords);
        Scope scope = new Scope(closure);
        frame.enter(scope);
        List<String> names = signature.names();
        List<Expr> defaults = signature.defaults();
        int firstDefault = names.size() - defaults.size();
        for (int i = 0; i < names.size(); i++) {
            String parameter = names.get(i);
            if (i < positional.size()) {
                scope.set(parameter, positional.get(i));
            } else if (remaining.containsKey(parameter)) {
                scope.set(parameter, remaining.remove(parameter));
            } else if (i >= firstDefault) {
                scope.set(parameter, renderer.evaluate(defaults.get(i - firstDefault), scope));
            } else {
                scope.set(parameter, Undefined.withHint("parameter '" + parameter + "' was not provided"));
            }
        }
        if (signature.usesCaller() && !names.contains("caller")) {
            Object caller = remaining.remove("caller");
            scope.set("caller", caller != null ? caller : Undefined.withHint("No caller defined"));
        }
        if (signature.usesKwargs()) {
            scope.set("kwargs", new LinkedHashMap<Object, Object>(remaining));
        } else if (!remaining.isEmpty()) {
            if (remaining.containsKey("caller")) {
                throw TemplateError.of("macro '" + name + "' was invoked with two values for the special caller argument."
                        + " This is most likely a bug.");
            }
            throw TemplateError.of("macro '" + name + "' takes no keyword argument '" + remaining.keySet().iterator().next() + "'");
        }
        if (signature.usesVarargs()) {
            scope.set("varargs", new PyTuple(positional.size() > names.size()
                    ? new ArrayList<>(positional.subList(names.size(), positional.size())) : List.of()));
        } else if (positional.size() > names.size()) {
            throw TemplateError.of("macro '" + name + "' takes not more than " + names.size() + " argument(s)");
        }
        return renderer.renderMacro(body, scope);
    }

    @Override
    public String toString() {
        return "<Macro '" + name + "'>";
    }
}
