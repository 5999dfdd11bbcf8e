package org.inginious.grading.image.layers;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestListTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.inginious.grading.image.registry.RegistryCredentials;

/**
 * jib 0.28.1 downloads every base layer that the target repository lacks into the base-layer cache
 * before pushing, even when it then mounts the layer from the base repository instead of uploading
 * it (a "TODO: also check if cross-repo blob mount is possible" in ObtainBaseImageLayerStep). For a
 * new environment repository that is a download of the whole base (gigabytes for CUDA images) into
 * the operator's cache volume. When base and target share a registry, we ask the registry to mount
 * the base layers into the target repository first (HEAD, then {@code POST
 * /v2/<target>/blobs/uploads/?mount=<digest>&from=<base>}); jib then finds them there and neither
 * downloads nor uploads them. Best effort: on any failure jib does what it always does, and reports
 * real errors itself.
 */
final class BaseLayerMounts {

  /** Stands in for content we do not have: a mount that the registry refuses is not uploaded. */
  private static final Blob NO_UPLOAD =
      new Blob() {
        @Override
        public BlobDescriptor writeTo(java.io.OutputStream out) throws IOException {
          throw new IOException("the registry did not mount the layer");
        }

        @Override
        public boolean isRetryable() {
          return false;
        }
      };

  private BaseLayerMounts() {}

  /**
   * @param jibLog where jib's log events of these requests go (the build's, so a registry that
   *     stops answering ends the build)
   * @param log our own debug lines
   */
  static void mount(
      ImageReference base,
      ImageReference target,
      LayersBuildRequest request,
      Consumer<LogEvent> jibLog,
      Consumer<String> log) {
    if (!base.getRegistry().equals(target.getRegistry())
        || base.getRepository().equals(target.getRepository())) {
      return;
    }
    EventHandlers events = EventHandlers.builder().add(LogEvent.class, jibLog).build();
    FailoverHttpClient http =
        new FailoverHttpClient(request.insecure(), request.insecure(), jibLog);
    int mounted = 0;
    int present = 0;
    try {
      RegistryClient source = client(events, base, request.baseCredentials(), http, false);
      ManifestTemplate manifest = source.pullManifest(base.getQualifier()).getManifest();
      if (manifest instanceof ManifestListTemplate list) {
        List<String> amd64 = list.getDigestsForPlatform("amd64", "linux");
        if (amd64.isEmpty()) {
          return; // jib reports it
        }
        manifest = source.pullManifest(amd64.get(0)).getManifest();
      }
      if (!(manifest instanceof BuildableManifestTemplate buildable)) {
        return;
      }
      RegistryClient destination = client(events, target, request.targetCredentials(), http, true);
      for (BuildableManifestTemplate.ContentDescriptorTemplate layer : buildable.getLayers()) {
        DescriptorDigest digest = layer.getDigest();
        if (digest == null) {
          continue;
        }
        if (destination.checkBlob(digest).isPresent()) {
          present++;
        } else if (destination.pushBlob(digest, NO_UPLOAD, base.getRepository(), n -> {})) {
          mounted++;
        }
      }
    } catch (IOException | RegistryException | RuntimeException e) {
      log.accept("DEBUG mounting base layers into " + target + " skipped: " + JibErrors.clean(e));
    } finally {
      log.accept(
          "DEBUG base layers mounted into "
              + target.getRepository()
              + ": "
              + mounted
              + ", already there: "
              + present);
      try {
        http.shutDown();
      } catch (IOException e) {
        // connections only
      }
    }
  }

  private static RegistryClient client(
      EventHandlers events,
      ImageReference image,
      Optional<RegistryCredentials> credentials,
      FailoverHttpClient http,
      boolean push)
      throws IOException, RegistryException {
    RegistryClient client =
        RegistryClient.factory(events, image.getRegistry(), image.getRepository(), http)
            .setCredential(
                credentials.map(c -> Credential.from(c.username(), c.password())).orElse(null))
            .setUserAgent(JibImageBuilder.TOOL_NAME)
            .newRegistryClient();
    boolean bearer = push ? client.doPushBearerAuth() : client.doPullBearerAuth();
    if (!bearer && credentials.isPresent()) {
      client.configureBasicAuth();
    }
    return client;
  }
}
