package org.inginious.grading.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kube-apiserver's audit log (JSON lines), which records every request of the operator's
 * ServiceAccount at level Metadata (see {@link ControlPlane}). One entry per request: the
 * ResponseComplete stage, or ResponseStarted for watches that are still open.
 */
public final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final Set<String> WRITE_VERBS =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  /** One request as RBAC sees it, with its answer. */
  public record Request(
      String auditId,
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace,
      String name,
      int code,
      String user,
      String timestamp,
      String userAgent) {
    /** {@code verb group/resource[/subresource]}, the core group written as "core". */
    public String permission() {
      return verb
          + " "
          + (group.isEmpty() ? "core" : group)
          + "/"
          + resource
          + (subresource.isEmpty() ? "" : "/" + subresource);
    }

    /**
     * Changes stored state: reviews (SelfSubjectRulesReview, TokenReview) are created but never
     * stored.
     */
    public boolean isWrite() {
      return WRITE_VERBS.contains(verb) && !resource.endsWith("reviews");
    }

    @Override
    public String toString() {
      return permission()
          + " "
          + (namespace.isEmpty() ? "" : namespace + "/")
          + name
          + " -> "
          + code
          + " at "
          + timestamp;
    }
  }

  private final Path file;

  public AuditLog(Path file) {
    this.file = file;
  }

  /** A position to read from later: the log's current length in bytes. */
  public long mark() {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<Request> requests() {
    return requestsSince(0);
  }

  /** The operator's requests logged after {@code mark}. */
  public List<Request> requestsSince(long mark) {
    Map<String, Request> byId = new LinkedHashMap<>();
    try {
      byte[] bytes = Files.readAllBytes(file);
      String text =
          new String(
              bytes,
              (int) Math.min(mark, bytes.length),
              (int) Math.max(0, bytes.length - mark),
              java.nio.charset.StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode event = JSON.readTree(line);
        if (!ControlPlane.OPERATOR_USER.equals(event.path("user").path("username").asText())) {
          continue;
        }
        JsonNode ref = event.path("objectRef");
        Request request =
            new Request(
                event.path("auditID").asText(),
                event.path("verb").asText(),
                ref.path("apiGroup").asText(""),
                ref.path("resource").asText(""),
                ref.path("subresource").asText(""),
                ref.path("namespace").asText(""),
                ref.path("name").asText(""),
                event.path("responseStatus").path("code").asInt(),
                event.path("user").path("username").asText(),
                event.path("stageTimestamp").asText(),
                event.path("userAgent").asText());
        // ResponseComplete replaces ResponseStarted of the same request
        byId.put(request.auditId(), request);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(byId.values());
  }
}
