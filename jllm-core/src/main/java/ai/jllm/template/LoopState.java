package ai.jllm.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The {@code loop} variable of a for loop: position, neighbours, cycle/changed and recursive calls. */
final class LoopState implements PyCallable {

    private final List<Object> items;
    private final int depth0;
    /** Renders the loop body over a nested iterable; present only for loops marked {@code recursive}. */
    private final Optional<Function<Object, String>> recursion;
    private int index0;
    private Optional<List<Object>> lastChanged = Optional.empty();

    LoopState(List<Object> items, int depth0, Optional<Function<Object, String>> recursion) {
        this.items = items;
        this.depth0 = depth0;
        this.recursion = recursion;
    }

    void moveTo(int index) {
        index0 = index;
    }

    int length() {
        return items.size();
    }

    /** The loop attribute called {@code name}, if the loop object has one. */
    Optional<Attributes.Member> attribute(String name) {
        return switch (name) {
            case "index0" -> member((long) index0);
            case "index" -> member((long) index0 + 1);
            case "revindex" -> member((long) (items.size() - index0));
            case "revindex0" -> member((long) (items.size() - index0 - 1));
            case "first" -> member(index0 == 0);
            case "last" -> member(index0 == items.size() - 1);
            case "length" -> member((long) items.size());
            case "depth" -> member((long) depth0 + 1);
            case "depth0" -> member((long) depth0);
            case "previtem" -> member(index0 > 0 ? items.get(index0 - 1) : Undefined.withHint("there is no previous item"));
            case "nextitem" -> member(index0 + 1 < items.size() ? items.get(index0 + 1)
                    : Undefined.withHint("there is no next item"));
            case "cycle" -> member((PyCallable) (positional, keywords) -> {
                if (positional.isEmpty()) {
                    throw TemplateError.of("no items for cycling given");
                }
                return positional.get(index0 % positional.size());
            });
            case "changed" -> member((PyCallable) (positional, keywords) -> {
                boolean changed = lastChanged.map(last -> !PyValues.equal(new PyTuple(last), new PyTuple(positional)))
                        .orElse(true);
                lastChanged = Optional.of(new ArrayList<>(positional));
                return changed;
            });
            default -> Optional.empty();
        };
    }

    private static Optional<Attributes.Member> member(Object value) {
        return Optional.of(new Attributes.Member(value));
    }

    @Override
    public Object call(List<Object> positional, Map<String, Object> keywords) {
        Function<Object, String> body = recursion.orElseThrow(() ->
                TemplateError.of("The loop must have the 'recursive' marker to be called recursively."));
        if (positional.size() != 1 || !keywords.isEmpty()) {
            throw TemplateError.of("loop() takes exactly one iterable");
        }
        return body.apply(positional.getFirst());
    }

    @Override
    public String toString() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }
}
