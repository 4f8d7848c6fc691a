package ai.jllm.template;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The variable bookkeeping of one jinja2 frame: the template itself, a loop body, a macro, a with block, ...
 *
 * <p>jinja2 decides at compile time where each name lives. A name whose first mention in a frame's own code
 * is an assignment (outside any if-branch), and that no enclosing frame mentions, starts out undefined in that
 * frame: it does not fall through to the render context. So in
 * {@code {% for m in messages %}{{ x }}{% endfor %}{% set x = 1 %}} the loop prints nothing even when the
 * caller passed {@code x}. The parser records the mentions; {@link #resolve()} turns them into the names
 * each frame must bind to Undefined when it is entered.
 */
final class Frame {

    private final Frame parent;
    private final Set<String> mentioned = new HashSet<>();
    private final Set<String> assignedFirst = new LinkedHashSet<>();
    private final List<Frame> children = new ArrayList<>();
    private int branchDepth;
    private Set<String> undefinedAtStart = Set.of();

    private Frame(Frame parent) {
        this.parent = parent;
    }

    static Frame root() {
        return new Frame(null);
    }

    Frame child() {
        Frame child = new Frame(this);
        children.add(child);
        return child;
    }

    void load(String name) {
        mentioned.add(name);
    }

    void store(String name) {
        if (mentioned.add(name) && branchDepth == 0) {
            assignedFirst.add(name);
        }
    }

    void parameter(String name) {
        mentioned.add(name);
    }

    /** Mentions inside an if/elif/else body do not make a name start out undefined (jinja2's branch_update). */
    void enterBranch() {
        branchDepth++;
    }

    void exitBranch() {
        branchDepth--;
    }

    /** Computes, once the whole template is parsed, what every frame below this one binds to Undefined. */
    void resolve() {
        Set<String> names = new LinkedHashSet<>(assignedFirst);
        for (Frame ancestor = parent; ancestor != null; ancestor = ancestor.parent) {
            names.removeAll(ancestor.mentioned);
        }
        undefinedAtStart = Set.copyOf(names);
        children.forEach(Frame::resolve);
    }

    /** Binds the names this frame starts without to Undefined in the scope that runs the frame. */
    void enter(Scope scope) {
        for (String name : undefinedAtStart) {
            scope.set(name, Undefined.variable(name));
        }
    }
}
