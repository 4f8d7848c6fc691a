package ai.jllm.template;

import java.util.List;

/**
 * A one-shot iterator, as the {@code select}, {@code map}, {@code reverse}, ... filters return in jinja2:
 * always truthy, without a length, and empty once iterated. The items are computed eagerly here, which
 * only matters for templates that could not tell the difference.
 */
final class Generator {

    private final String typeName;
    private List<Object> items;

    Generator(String typeName, List<Object> items) {
        this.typeName = typeName;
        this.items = items;
    }

    String typeName() {
        return typeName;
    }

    /** Hands out the remaining items and leaves the generator exhausted. */
    List<Object> consume() {
        List<Object> remaining = items;
        items = List.of();
        return remaining;
    }
}
