package ai.jllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /v1/models} and {@code GET /v1/models/{model}}: the one model this server serves. */
final class ModelsEndpoint {

    private final Serving serving;
    private final long created = Serving.nowSeconds();

    ModelsEndpoint(Serving serving) {
        this.serving = serving;
    }

    void list(ServerRequest request, ServerResponse response) {
        ObjectNode body = serving.responses().json().createObjectNode();
        body.put("object", "list");
        body.putArray("data").add(model());
        serving.responses().json(response, 200, body);
    }

    void retrieve(ServerRequest request, ServerResponse response) {
        serving.checkModel(request.path().pathParameters().get("model"));
        serving.responses().json(response, 200, model());
    }

    private ObjectNode model() {
        ObjectNode model = serving.responses().json().createObjectNode();
        model.put("id", serving.config().servedModelName());
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "jllm");
        model.put("root", serving.llm().modelDir().toString());
        return model;
    }
}
