package ai.jllm.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Executes a parsed template for one render: output goes to a StringBuilder, loops signal break and continue
 * through {@link Flow} rather than exceptions, and runtime errors get the template name and line on the way out.
 */
final class Renderer {

    /** Deeper macro or recursive-loop nesting than this is a runaway template, not a chat. */
    private static final int MAX_DEPTH = 200;

    private enum Flow { NORMAL, BREAK, CONTINUE }

    private final String templateName;
    private int depth;

    Renderer(String templateName) {
        this.templateName = templateName;
    }

    String render(List<Stmt> body, Scope scope) {
        StringBuilder out = new StringBuilder(1024);
        render(body, scope, out);
        return out.toString();
    }

    Object evaluate(Expr expr, Scope scope) {
        return Evaluator.eval(expr, scope);
    }

    String renderMacro(List<Stmt> body, Scope scope) {
        descend();
        try {
            StringBuilder out = new StringBuilder();
            render(body, scope, out);
            return out.toString();
        } finally {
            depth--;
        }
    }

    private void descend() {
        if (++depth > MAX_DEPTH) {
            depth--;
            throw TemplateError.of("maximum recursion depth exceeded");
        }
    }

    private Flow render(List<Stmt> body, Scope scope, StringBuilder out) {
        for (Stmt stmt : body) {
            Flow flow;
            try {
                flow = execute(stmt, scope, out);
            } catch (TemplateError e) {
                throw e.isLocated() ? e : e.locate(templateName, stmt.line());
            } catch (StackOverflowError e) {
                throw TemplateError.of("maximum recursion depth exceeded").locate(templateName, stmt.line());
            }
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow execute(Stmt stmt, Scope scope, StringBuilder out) {
        switch (stmt) {
            case Stmt.Text text -> out.append(text.text());
            case Stmt.Print print -> out.append(PyStrings.str(Evaluator.eval(print.expr(), scope)));
            case Stmt.If conditional -> {
                for (Stmt.Branch branch : conditional.branches()) {
                    if (PyValues.truthy(Evaluator.eval(branch.test(), scope))) {
                        return render(branch.body(), scope, out);
                    }
                }
                return render(conditional.orElse(), scope, out);
            }
            case Stmt.For loop -> renderLoop(loop, Evaluator.eval(loop.iterable(), scope), scope, 0, out);
            case Stmt.Set set -> assign(set.target(), Evaluator.eval(set.value(), scope), scope);
            case Stmt.SetBlock set -> {
                StringBuilder captured = new StringBuilder();
                render(set.body(), enter(set.frame(), scope), captured);
                Object value = captured.toString();
                for (Expr.FilterCall filter : set.filters()) {
                    value = Evaluator.applyFilter(filter, value, scope);
                }
                assign(set.target(), value, scope);
            }
            case Stmt.Macro macro ->
                    scope.set(macro.name(), new MacroValue(macro.name(), macro.signature(), macro.body(), macro.frame(),
                            scope, this));
            case Stmt.CallBlock block -> out.append(PyStrings.str(callWithCaller(block, scope)));
            case Stmt.FilterBlock block -> {
                StringBuilder captured = new StringBuilder();
                render(block.body(), enter(block.frame(), scope), captured);
                Object value = captured.toString();
                for (Expr.FilterCall filter : block.filters()) {
                    value = Evaluator.applyFilter(filter, value, scope);
                }
                out.append(PyStrings.str(value));
            }
            case Stmt.With with -> {
                List<Object> values = new ArrayList<>(with.values().size());
                for (Expr value : with.values()) {
                    values.add(Evaluator.eval(value, scope));
                }
                Scope inner = enter(with.frame(), scope);
                for (int i = 0; i < values.size(); i++) {
                    assign(with.targets().get(i), values.get(i), inner);
                }
                return render(with.body(), inner, out);
            }
            case Stmt.Scoped scoped -> {
                return render(scoped.body(), enter(scoped.frame(), scope), out);
            }
            case Stmt.Break ignored -> {
                return Flow.BREAK;
            }
            case Stmt.Continue ignored -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    /**
     * One for loop over {@code iterable}. Each iteration gets a fresh child scope, so assignments in the body
     * do not survive into the next iteration (as in jinja2); a filter is applied before {@code loop} is built,
     * so {@code loop.length} and {@code loop.last} count only the items that pass it.
     */
    private void renderLoop(Stmt.For loop, Object iterable, Scope scope, int depth0, StringBuilder out) {
        List<Object> items = PyValues.iterate(iterable);
        if (loop.filter().isPresent()) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope probe = enter(loop.frames().filter(), scope);
                assign(loop.target(), item, probe);
                if (PyValues.truthy(Evaluator.eval(loop.filter().get(), probe))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        Optional<Function<Object, String>> recursion = loop.recursive()
                ? Optional.of(nested -> {
                    descend();
                    try {
                        StringBuilder inner = new StringBuilder();
                        renderLoop(loop, nested, scope, depth0 + 1, inner);
                        return inner.toString();
                    } finally {
                        depth--;
                    }
                })
                : Optional.empty();
        LoopState state = new LoopState(items, depth0, recursion);
        boolean completedAnIteration = false;
        for (int i = 0; i < items.size(); i++) {
            state.moveTo(i);
            Scope iteration = enter(loop.frames().body(), scope);
            assign(loop.target(), items.get(i), iteration);
            iteration.set("loop", state);
            Flow flow = render(loop.body(), iteration, out);
            if (flow == Flow.BREAK) {
                break;
            }
            completedAnIteration |= flow == Flow.NORMAL;
        }
        // jinja2 runs the else part unless some iteration reached the end of the body, so also after an
        // early break or when every iteration continued.
        if (!completedAnIteration) {
            render(loop.orElse(), enter(loop.frames().orElse(), scope), out);
        }
    }

    /** A child scope for code that runs in {@code frame}, with the names that frame starts without. */
    private static Scope enter(Frame frame, Scope parent) {
        Scope scope = new Scope(parent);
        frame.enter(scope);
        return scope;
    }

    private Object callWithCaller(Stmt.CallBlock block, Scope scope) {
        Object callee = Evaluator.eval(block.call().target(), scope);
        List<Object> positional = new ArrayList<>();
        Map<String, Object> keywords = new LinkedHashMap<>();
        Evaluator.evalArguments(block.call().arguments(), scope, positional, keywords);
        keywords.put("caller", new MacroValue("caller", block.signature(), block.body(), block.frame(), scope, this));
        return Attributes.call(callee, positional, keywords);
    }

    private static void assign(Expr target, Object value, Scope scope) {
        switch (target) {
            case Expr.Name name -> scope.set(name.name(), value);
            case Expr.NamespaceRef ref -> {
                if (!(scope.resolve(ref.name()) instanceof Namespace namespace)) {
                    throw TemplateError.of("cannot assign attribute on non-namespace object");
                }
                namespace.set(ref.attribute(), value);
            }
            case Expr.TupleLiteral tuple -> {
                if (!PyValues.isIterable(value)) {
                    throw TemplateError.of("cannot unpack non-iterable " + PyValues.typeName(value) + " object");
                }
                List<Object> items = PyValues.iterate(value);
                int expected = tuple.items().size();
                if (items.size() < expected) {
                    throw TemplateError.of("not enough values to unpack (expected " + expected + ", got " + items.size() + ")");
                }
                if (items.size() > expected) {
                    throw TemplateError.of("too many values to unpack (expected " + expected + ")");
                }
                for (int i = 0; i < expected; i++) {
                    assign(tuple.items().get(i), items.get(i), scope);
                }
            }
            default -> throw TemplateError.of("cannot assign to this expression");
        }
    }
}
