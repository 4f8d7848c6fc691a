package ai.jllm.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Evaluates expression trees against a scope. Stateless: everything it needs is in the tree and the scope. */
final class Evaluator {

    private Evaluator() {}

    static Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Expr.Const c -> c.value();
            case Expr.Name n -> scope.resolve(n.name());
            case Expr.GetAttr g -> Attributes.getAttr(eval(g.target(), scope), g.name());
            case Expr.GetItem g -> getItem(g, scope);
            case Expr.Call c -> call(c, scope);
            case Expr.Filter f -> applyFilter(f.filter(), eval(f.target(), scope), scope);
            case Expr.Test t -> {
                Object value = eval(t.target(), scope);
                List<Object> positional = new ArrayList<>();
                Map<String, Object> keywords = new LinkedHashMap<>();
                evalArguments(t.arguments(), scope, positional, keywords);
                yield t.test().test(value, positional, keywords);
            }
            case Expr.Unary u -> switch (u.op()) {
                case NOT -> !PyValues.truthy(eval(u.operand(), scope));
                case NEGATE -> Operators.negate(eval(u.operand(), scope));
                case PLUS -> Operators.plus(eval(u.operand(), scope));
            };
            case Expr.Binary b -> Operators.binary(b.op(), eval(b.left(), scope), eval(b.right(), scope));
            case Expr.And a -> {
                Object left = eval(a.left(), scope);
                yield PyValues.truthy(left) ? eval(a.right(), scope) : left;
            }
            case Expr.Or o -> {
                Object left = eval(o.left(), scope);
                yield PyValues.truthy(left) ? left : eval(o.right(), scope);
            }
            case Expr.Compare c -> compare(c, scope);
            case Expr.Concat c -> {
                StringBuilder out = new StringBuilder();
                for (Expr part : c.parts()) {
                    out.append(PyStrings.str(eval(part, scope)));
                }
                yield out.toString();
            }
            case Expr.Conditional c -> {
                if (PyValues.truthy(eval(c.test(), scope))) {
                    yield eval(c.then(), scope);
                }
                yield c.otherwise().isPresent() ? eval(c.otherwise().get(), scope)
                        : Undefined.withHint("the inline if-expression on line " + c.line()
                        + " evaluated to false and no else section was defined.");
            }
            case Expr.ListLiteral l -> {
                List<Object> items = new ArrayList<>(l.items().size());
                for (Expr item : l.items()) {
                    items.add(eval(item, scope));
                }
                yield items;
            }
            case Expr.TupleLiteral t -> {
                List<Object> items = new ArrayList<>(t.items().size());
                for (Expr item : t.items()) {
                    items.add(eval(item, scope));
                }
                yield new PyTuple(items);
            }
            case Expr.DictLiteral d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (Expr.Pair pair : d.pairs()) {
                    Object key = eval(pair.key(), scope);
                    if (key instanceof List<?> || key instanceof Map<?, ?>) {
                        throw TemplateError.of("unhashable type: '" + PyValues.typeName(key) + "'");
                    }
                    map.put(existingKey(map, key), eval(pair.value(), scope));
                }
                yield map;
            }
            case Expr.Slice s -> throw TemplateError.of("a slice can only be used inside [ ]");
            case Expr.NamespaceRef r -> throw TemplateError.of("'" + r.name() + "." + r.attribute() + "' can only be assigned to");
        };
    }

    /** Python merges keys that compare equal (1, 1.0 and True), keeping the first one written. */
    private static Object existingKey(Map<Object, Object> map, Object key) {
        if (PyValues.isNumber(key) && !map.containsKey(key)) {
            for (Object existing : map.keySet()) {
                if (PyValues.isNumber(existing) && PyValues.equal(existing, key)) {
                    return existing;
                }
            }
        }
        return key;
    }

    private static Object getItem(Expr.GetItem g, Scope scope) {
        Object target = eval(g.target(), scope);
        if (g.key() instanceof Expr.Slice slice) {
            Object start = slice.start().isPresent() ? eval(slice.start().get(), scope) : null;
            Object stop = slice.stop().isPresent() ? eval(slice.stop().get(), scope) : null;
            Object step = slice.step().isPresent() ? eval(slice.step().get(), scope) : null;
            return Attributes.slice(target, start, stop, step);
        }
        return Attributes.getItem(target, eval(g.key(), scope));
    }

    private static Object call(Expr.Call c, Scope scope) {
        Object callee = eval(c.target(), scope);
        List<Object> positional = new ArrayList<>();
        Map<String, Object> keywords = new LinkedHashMap<>();
        evalArguments(c.arguments(), scope, positional, keywords);
        return Attributes.call(callee, positional, keywords);
    }

    static Object applyFilter(Expr.FilterCall filter, Object value, Scope scope) {
        List<Object> positional = new ArrayList<>();
        Map<String, Object> keywords = new LinkedHashMap<>();
        evalArguments(filter.arguments(), scope, positional, keywords);
        return filter.filter().apply(value, positional, keywords);
    }

    static void evalArguments(Expr.Arguments arguments, Scope scope, List<Object> positional, Map<String, Object> keywords) {
        for (Expr argument : arguments.positional()) {
            positional.add(eval(argument, scope));
        }
        if (arguments.varargs().isPresent()) {
            positional.addAll(PyValues.iterate(eval(arguments.varargs().get(), scope)));
        }
        for (Expr.Keyword keyword : arguments.keywords()) {
            keywords.put(keyword.name(), eval(keyword.value(), scope));
        }
        if (arguments.kwargs().isPresent()) {
            Object extra = eval(arguments.kwargs().get(), scope);
            if (!(extra instanceof Map<?, ?> map)) {
                throw TemplateError.of("argument after ** must be a mapping, not " + PyValues.typeName(extra));
            }
            map.forEach((key, value) -> keywords.put(PyStrings.str(key), value));
        }
    }

    private static boolean compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (Expr.Operand operand : c.operands()) {
            Object right = eval(operand.expr(), scope);
            if (!Operators.compare(operand.op(), left, right)) {
                return false;
            }
            left = right;
        }
        return true;
    }
}
