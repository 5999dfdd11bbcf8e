package org.inginious.grading.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.testing.Environments;

/**
 * Shared by the ops tests: fast operator settings, an environment that fails validation, HTTP GETs.
 */
final class OpsTesting {
  static final GradingOperator.Settings FAST =
      new GradingOperator.Settings(
          Duration.ofMillis(200),
          Duration.ofSeconds(2),
          Duration.ofMinutes(5),
          Duration.ofMillis(500),
          null);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private OpsTesting() {}

  /** Fails validation (no image): the operator reports InvalidSpec without needing a registry. */
  static GradingEnvironment invalidEnvironment(String name) {
    return Environments.fromYaml(
        """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s, namespace: grading}
        spec:
          build:
            prebuilt: {image: ""}
        """
            .formatted(name));
  }

  static HttpResponse<String> get(int port, String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
  }

  static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(
          request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
