package ai.jllm.template;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object {@code namespace()} returns: the one thing a template may assign attributes to across scopes. */
final class Namespace {

    private final Map<String, Object> attributes;

    Namespace(Map<String, Object> attributes) {
        this.attributes = new LinkedHashMap<>(attributes);
    }

    boolean has(String name) {
        return attributes.containsKey(name);
    }

    Object get(String name) {
        return attributes.get(name);
    }

    void set(String name, Object value) {
        attributes.put(name, value);
    }

    Map<String, Object> attributes() {
        return attributes;
    }
}
