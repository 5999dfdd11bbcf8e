package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Objects;
import java.util.stream.Stream;

/** What the API server answered, read from an exception's cause chain. */
final class ApiErrors {
  private ApiErrors() {}

  /**
   * One line for status: the API server's own message for a refused request (fabric8's exception
   * text repeats the URL and the whole Status object), else the exception's message.
   */
  static String describe(Throwable e) {
    return answers(e)
        .filter(k -> k.getStatus() != null && k.getStatus().getMessage() != null)
        .findFirst()
        .map(
            k ->
                "the API server refused a request ("
                    + k.getCode()
                    + " "
                    + k.getStatus().getReason()
                    + "): "
                    + k.getStatus().getMessage())
        .orElse(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }

  /** A lost write race: someone wrote first, or the cache had not seen a write yet. */
  static boolean isConflict(Throwable e) {
    return answers(e).anyMatch(k -> k.getCode() == HttpURLConnection.HTTP_CONFLICT);
  }

  /** The API server's answers in an exception's cause chain, outermost first. */
  private static Stream<KubernetesClientException> answers(Throwable e) {
    return Stream.<Throwable>iterate(e, Objects::nonNull, Throwable::getCause)
        .filter(KubernetesClientException.class::isInstance)
        .map(KubernetesClientException.class::cast);
  }
}
