package ai.jllm.template;

import java.util.List;

/** A Python tuple: a sequence that prints with parentheses and never equals a list. */
record PyTuple(List<Object> items) {

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }
}
