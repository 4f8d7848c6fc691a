package ai.jllm.template;

import java.util.List;
import java.util.Map;

/** Anything a template can call: globals such as {@code range}, macros, bound methods of strings and dicts. */
interface PyCallable {

    Object call(List<Object> positional, Map<String, Object> keywords);
}
