package ai.jllm.template;

import java.util.List;
import java.util.Optional;

/** The statement tree: template text, prints and the {@code {% %}} tags. Every node knows its source line. */
sealed interface Stmt {

    int line();

    record Text(String text, int line) implements Stmt {}

    record Print(Expr expr, int line) implements Stmt {}

    record If(List<Branch> branches, List<Stmt> orElse, int line) implements Stmt {}

    record Branch(Expr test, List<Stmt> body) {}

    /** {@code for target in iterable [if filter] [recursive]}; the else part runs when nothing was iterated. */
    record For(Expr target, Expr iterable, Optional<Expr> filter, boolean recursive, List<Stmt> body,
               List<Stmt> orElse, LoopFrames frames, int line) implements Stmt {}

    /** A loop's body, else part and filter each run in a frame of their own. */
    record LoopFrames(Frame body, Frame orElse, Frame filter) {}

    record Set(Expr target, Expr value, int line) implements Stmt {}

    /** {@code {% set x | filters %}body{% endset %}}: captures the rendered body. */
    record SetBlock(Expr target, List<Expr.FilterCall> filters, List<Stmt> body, Frame frame, int line) implements Stmt {}

    record Macro(String name, Signature signature, List<Stmt> body, Frame frame, int line) implements Stmt {}

    /** {@code {% call(params) target(args) %}body{% endcall %}}: the body becomes the callee's {@code caller}. */
    record CallBlock(Expr.Call call, Signature signature, List<Stmt> body, Frame frame, int line) implements Stmt {}

    record FilterBlock(List<Expr.FilterCall> filters, List<Stmt> body, Frame frame, int line) implements Stmt {}

    record With(List<Expr> targets, List<Expr> values, List<Stmt> body, Frame frame, int line) implements Stmt {}

    /** A body rendered in its own scope; Hugging Face's {@code {% generation %}} tag is one. */
    record Scoped(List<Stmt> body, Frame frame, int line) implements Stmt {}

    record Break(int line) implements Stmt {}

    record Continue(int line) implements Stmt {}

    /**
     * Parameters of a macro or call block. jinja2 lets a macro take extra positional or keyword arguments only
     * when its body mentions {@code varargs} or {@code kwargs}; {@code usesCaller} likewise admits {@code caller}.
     */
    record Signature(List<String> names, List<Expr> defaults, boolean usesVarargs, boolean usesKwargs,
                     boolean usesCaller) {}
}
