package ai.jllm.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What {@code d.items()}, {@code d.keys()} and {@code d.values()} return: live views that print like Python's. */
record DictView(Kind kind, Map<?, ?> map) {

    enum Kind {
        ITEMS("dict_items"), KEYS("dict_keys"), VALUES("dict_values");

        final String typeName;

        Kind(String typeName) {
            this.typeName = typeName;
        }
    }

    List<Object> elements() {
        List<Object> out = new ArrayList<>(map.size());
        switch (kind) {
            case ITEMS -> map.forEach((key, value) -> out.add(PyTuple.of(key, value)));
            case KEYS -> out.addAll(map.keySet());
            case VALUES -> out.addAll(map.values());
        }
        return out;
    }
}
