package org.inginious.grading.image.layers;

import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What jib's events tell about one build: which blobs it uploaded and how many it found in the
 * registry already, and a registry that stopped answering, which ends the build at once.
 */
final class BuildEvents {
  private static final String PUSH_BLOB_UPLOAD = "pushBlob PATCH ";
  private static final String RETRY_WARNING = " failed and will be retried";

  private final Consumer<String> log;
  private final CompletableFuture<JibContainer> outcome;
  private final Set<String> uploaded = ConcurrentHashMap.newKeySet();
  private final AtomicInteger skipped = new AtomicInteger();

  /**
   * @param outcome the build's result, completed exceptionally here when a registry stops answering
   */
  BuildEvents(Consumer<String> log, CompletableFuture<JibContainer> outcome) {
    this.log = log;
    this.outcome = outcome;
  }

  void onLog(LogEvent event) {
    String message = JibErrors.withoutColours(event.getMessage());
    log.accept(event.getLevel() + " " + message);
    if (message.startsWith("Skipping push; BLOB already exists")) {
      skipped.incrementAndGet();
    }
    // jib retries failed requests with exponential back-off for up to 15 minutes (google-http-
    // client's default): a registry that went away would hold a build slot until the timeout.
    // Like ImageResolver, we fail fast instead; the reconciler retries the build with back-off.
    if (event.getLevel() == LogEvent.Level.WARN && message.endsWith(RETRY_WARNING)) {
      String request = message.substring(0, message.length() - RETRY_WARNING.length());
      outcome.completeExceptionally(JibErrors.stoppedAnswering(request));
    }
  }

  void onTimer(TimerEvent event) {
    // RegistryClient.pushBlob laps "pushBlob PATCH <digest>" only when the registry asked for
    // the content: not when a HEAD found the blob, nor when a cross-repository mount worked.
    if (event.getState() == TimerEvent.State.LAP
        && event.getDescription().startsWith(PUSH_BLOB_UPLOAD)) {
      String digest = event.getDescription().substring(PUSH_BLOB_UPLOAD.length()).trim();
      uploaded.add(digest);
    }
  }

  /** Digests of the blobs sent to the registry (layers and the container configuration). */
  Set<String> uploaded() {
    return uploaded;
  }

  /** Blobs the registry had already. */
  int skipped() {
    return skipped.get();
  }
}
