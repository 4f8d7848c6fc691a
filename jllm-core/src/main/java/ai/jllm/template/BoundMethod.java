package ai.jllm.template;

import java.util.List;
import java.util.Map;

/** A method of a string, dict or list looked up from a template ({@code s.strip}, {@code d.items}), ready to call. */
record BoundMethod(Object receiver, String name) implements PyCallable {

    @Override
    public Object call(List<Object> positional, Map<String, Object> keywords) {
        return Methods.invoke(receiver, name, positional, keywords);
    }

    @Override
    public String toString() {
        return "<built-in method " + name + " of " + PyValues.typeName(receiver) + " object>";
    }
}
