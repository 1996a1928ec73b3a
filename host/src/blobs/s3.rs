//! The S3 backend: one object per key in a bucket of AWS S3 or any S3-compatible
//! server (MinIO, Garage, Ceph, R2, moto), through the official SDK.
//!
//! Uploads go in parts of [`PART_SIZE`]: an object smaller than one part is a single
//! PutObject; a larger one a multipart upload that reads the next part while the
//! current one is sent (two parts in memory at most) and is aborted if anything
//! fails, so a broken upload leaves no invisible parts to pay for.

use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::{Blob, BlobError, read_full};
use crate::config::BlobsConfig;

/// Bytes per upload part (S3 wants at least 5 MiB for all parts but the last). With
/// S3's 10,000-part limit this caps an object at 80 GiB, far above any media file.
pub const PART_SIZE: usize = 8 << 20;
const MAX_PARTS: i32 = 10_000;
/// How long [`S3Store::check`] waits for the bucket to answer.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A bucket. Cloning shares the SDK client (and its connection pool).
#[derive(Clone, Debug)]
pub struct S3Store {
    client: Client,
    bucket: Arc<str>,
    /// How errors name the server: `blobs.endpoint URL`, or AWS with its region.
    place: Arc<str>,
}

impl S3Store {
    /// Builds the client. Credentials come from `[blobs]` when both keys are set,
    /// otherwise from the standard AWS chain (environment, profile files, roles).
    pub async fn from_config(config: &BlobsConfig) -> Result<S3Store, BlobError> {
        let Some(bucket) = config.bucket.as_deref().filter(|b| !b.is_empty()) else {
            return Err(BlobError::unavailable(
                "blobs.backend is \"s3\" but blobs.bucket is not set",
                "set blobs.bucket = \"aerie-media\" (a bucket that exists)",
            ));
        };
        // rustls with ring, so https endpoints work without building aws-lc.
        let http = aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            // With an endpoint the region only goes into signatures; most self-hosted
            // servers expect AWS's default then.
            .region(Region::new(if config.region.is_empty() { "us-east-1".to_string() } else { config.region.clone() }))
            .http_client(http)
            // No read timeout: a large part on a slow uplink takes a while; the SDK's
            // stalled-stream protection catches a transfer that stops moving.
            .timeout_config(TimeoutConfig::builder().connect_timeout(CONNECT_TIMEOUT).build());
        if let (Some(id), Some(secret)) = (&config.access_key_id, &config.secret_access_key) {
            loader = loader.credentials_provider(Credentials::new(id, secret, None, None, "aerie [blobs]"));
        }
        let shared = loader.load().await;
        let mut s3 = aws_sdk_s3::config::Builder::from(&shared).force_path_style(config.path_style);
        if let Some(endpoint) = &config.endpoint {
            s3 = s3.endpoint_url(endpoint);
        }
        let place = match &config.endpoint {
            Some(endpoint) => format!("blobs.endpoint {endpoint}"),
            None => format!("AWS S3 (blobs.region {})", config.region),
        };
        Ok(S3Store { client: Client::from_conf(s3.build()), bucket: bucket.into(), place: place.into() })
    }

    /// The SDK client, for what the store does not wrap (creating buckets in
    /// tests, listing uploads in admin tools).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Asks for the bucket (HeadBucket), once and without retries, so a wrong
    /// endpoint, bucket or key pair is reported within [`CHECK_TIMEOUT`].
    pub async fn check(&self) -> Result<(), BlobError> {
        let request = self
            .client
            .head_bucket()
            .bucket(&*self.bucket)
            .customize()
            .config_override(aws_sdk_s3::config::Builder::default().retry_config(RetryConfig::disabled()))
            .send();
        match tokio::time::timeout(CHECK_TIMEOUT, request).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.error("checking", None, e)),
            Err(_) => Err(BlobError::unavailable(
                format!("{} did not answer within {} s", self.place, CHECK_TIMEOUT.as_secs()),
                "start the S3 server or correct blobs.endpoint (AERIE_BLOBS_ENDPOINT); a firewall may be dropping the connection",
            )),
        }
    }

    pub async fn put_stream(
        &self,
        key: &str,
        mut reader: impl AsyncRead + Unpin + Send,
        content_type: Option<&str>,
    ) -> Result<u64, BlobError> {
        let mut first = vec![0u8; PART_SIZE];
        let filled = read_full(&mut reader, &mut first).await.map_err(|e| BlobError::source(key, e))?;
        if filled < PART_SIZE {
            first.truncate(filled);
            self.client
                .put_object()
                .bucket(&*self.bucket)
                .key(key)
                .set_content_type(content_type.map(str::to_string))
                .body(ByteStream::from(first))
                .send()
                .await
                .map_err(|e| self.error("storing", Some(key), e))?;
            return Ok(filled as u64);
        }

        let created = self
            .client
            .create_multipart_upload()
            .bucket(&*self.bucket)
            .key(key)
            .set_content_type(content_type.map(str::to_string))
            .send()
            .await
            .map_err(|e| self.error("starting the upload of", Some(key), e))?;
        let Some(upload_id) = created.upload_id else {
            return Err(BlobError::io(
                format!("{} started an upload of {key:?} without an upload id", self.place),
                "use an S3-compatible server that supports multipart uploads",
            ));
        };
        let mut guard = AbortOnDrop { store: Some(self.clone()), key: key.to_string(), upload_id: upload_id.clone() };
        match self.upload_parts(key, &upload_id, first, &mut reader).await {
            Ok(total) => {
                guard.store = None;
                Ok(total)
            }
            Err(e) => {
                guard.store = None;
                self.abort(key, &upload_id).await;
                Err(e)
            }
        }
    }

    /// Sends `first` and the rest of `reader` as parts, then completes the upload.
    async fn upload_parts(
        &self,
        key: &str,
        upload_id: &str,
        first: Vec<u8>,
        reader: &mut (impl AsyncRead + Unpin + Send),
    ) -> Result<u64, BlobError> {
        let mut completed = Vec::new();
        let mut current = first;
        let mut total = 0u64;
        for number in 1..=MAX_PARTS {
            let sent = current.len() as u64;
            let mut next = vec![0u8; PART_SIZE];
            // Read the next part while this one is on the wire.
            let (uploaded, filled) = tokio::join!(self.upload_part(key, upload_id, number, current), read_full(reader, &mut next));
            completed.push(uploaded?);
            total += sent;
            let filled = filled.map_err(|e| BlobError::source(key, e))?;
            if filled == 0 {
                let parts = CompletedMultipartUpload::builder().set_parts(Some(completed)).build();
                self.client
                    .complete_multipart_upload()
                    .bucket(&*self.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .multipart_upload(parts)
                    .send()
                    .await
                    .map_err(|e| self.error("completing the upload of", Some(key), e))?;
                return Ok(total);
            }
            next.truncate(filled);
            current = next;
        }
        Err(BlobError::io(
            format!("blob {key:?} is larger than {} parts of {} MiB", MAX_PARTS, PART_SIZE >> 20),
            "store smaller objects (S3 allows 10,000 parts per upload)",
        ))
    }

    async fn upload_part(&self, key: &str, upload_id: &str, number: i32, data: Vec<u8>) -> Result<CompletedPart, BlobError> {
        let answer = self
            .client
            .upload_part()
            .bucket(&*self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(data))
            .send()
            .await
            .map_err(|e| self.error("uploading a part of", Some(key), e))?;
        Ok(CompletedPart::builder()
            .part_number(number)
            .set_e_tag(answer.e_tag)
            .set_checksum_crc32(answer.checksum_crc32)
            .set_checksum_crc32_c(answer.checksum_crc32_c)
            .set_checksum_crc64_nvme(answer.checksum_crc64_nvme)
            .set_checksum_sha1(answer.checksum_sha1)
            .set_checksum_sha256(answer.checksum_sha256)
            .build())
    }

    /// Best effort: a failed abort only leaves parts that the bucket's lifecycle
    /// rule (or the operator) cleans up, so it is logged, not returned.
    async fn abort(&self, key: &str, upload_id: &str) {
        let result = self.client.abort_multipart_upload().bucket(&*self.bucket).key(key).upload_id(upload_id).send().await;
        if let Err(e) = result {
            tracing::warn!(key, upload_id, error = %causes(&e), "could not abort a failed multipart upload; its parts stay in the bucket until aborted");
        }
    }

    pub async fn get_range(&self, key: &str, offset: u64, len: Option<u64>) -> Result<Option<Blob>, BlobError> {
        if len == Some(0) {
            return self.empty_at(key, offset).await;
        }
        let range = match len {
            _ if offset == 0 && len.is_none() => None,
            None => Some(format!("bytes={offset}-")),
            Some(len) => Some(format!("bytes={offset}-{}", offset.saturating_add(len) - 1)),
        };
        let answer = match self.client.get_object().bucket(&*self.bucket).key(key).set_range(range.clone()).send().await {
            Ok(answer) => answer,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            // 416: the offset is at or past the end; which of the two decides the answer.
            Err(e) if e.code() == Some("InvalidRange") || e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => {
                return self.empty_at(key, offset).await;
            }
            Err(e) => return Err(self.error("reading", Some(key), e)),
        };
        let len = answer.content_length.and_then(|n| u64::try_from(n).ok());
        let size = match (range, &answer.content_range) {
            (None, _) => len,
            (Some(_), Some(content_range)) => content_range.rsplit('/').next().and_then(|total| total.parse().ok()),
            (Some(_), None) => None,
        };
        let (size, len) = match (size, len) {
            (Some(size), Some(len)) => (size, len),
            _ => {
                return Err(BlobError::io(
                    format!("{} answered a read of {key:?} without Content-Length/Content-Range", self.place),
                    "use an S3-compatible server that sends object sizes",
                ));
            }
        };
        let reader = answer.body.into_async_read().take(len);
        Ok(Some(Blob { size, len, reader: Box::pin(reader) }))
    }

    /// Nothing read at `offset`: fine at the end of the object, an error past it.
    async fn empty_at(&self, key: &str, offset: u64) -> Result<Option<Blob>, BlobError> {
        let Some(size) = self.head(key).await? else { return Ok(None) };
        if offset > size {
            return Err(BlobError::OutOfRange { key: key.to_string(), offset, size });
        }
        Ok(Some(Blob { size, len: 0, reader: Box::pin(tokio::io::empty()) }))
    }

    pub async fn head(&self, key: &str) -> Result<Option<u64>, BlobError> {
        match self.client.head_object().bucket(&*self.bucket).key(key).send().await {
            Ok(answer) => Ok(Some(answer.content_length.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(self.error("looking up", Some(key), e)),
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        self.client.delete_object().bucket(&*self.bucket).key(key).send().await.map_err(|e| self.error("deleting", Some(key), e))?;
        Ok(())
    }

    /// Turns an SDK error into one that names the `[blobs]` key to fix.
    fn error<E>(&self, action: &str, key: Option<&str>, error: SdkError<E, HttpResponse>) -> BlobError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let place = &self.place;
        let bucket = &self.bucket;
        let what = match key {
            Some(key) => format!("{action} blob {key:?} in bucket {bucket:?}"),
            None => format!("{action} bucket {bucket:?}"),
        };
        let detail = causes(&error);
        let status = match &error {
            SdkError::ServiceError(e) => Some(e.raw().status().as_u16()),
            _ => None,
        };
        let code = error.code().unwrap_or_default();
        let credentials_fix = "check blobs.access_key_id and blobs.secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when they are unset), and that the key may use this bucket";
        match &error {
            SdkError::DispatchFailure(failure) if failure.is_timeout() => BlobError::unavailable(
                format!("{place} timed out while {what}: {detail}"),
                "start the S3 server or correct blobs.endpoint (AERIE_BLOBS_ENDPOINT)",
            ),
            SdkError::DispatchFailure(failure) if failure.is_io() => BlobError::unavailable(
                format!("{place} unreachable while {what}: {detail}"),
                "start the S3 server or correct blobs.endpoint (AERIE_BLOBS_ENDPOINT); for AWS itself leave endpoint unset and set blobs.region",
            ),
            SdkError::TimeoutError(_) => BlobError::unavailable(
                format!("{place} timed out while {what}: {detail}"),
                "check that the S3 server is up and not overloaded",
            ),
            // Before sending: most often no credentials were found anywhere.
            SdkError::ConstructionFailure(_) | SdkError::DispatchFailure(_) if detail.contains("credential") => BlobError::denied(
                format!("no credentials for {place} while {what}: {detail}"),
                "set blobs.access_key_id and blobs.secret_access_key (or AERIE_BLOBS_* / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            ),
            _ if status == Some(403)
                || matches!(
                    code,
                    "AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "InvalidClientTokenId" | "ExpiredToken"
                ) =>
            {
                BlobError::denied(
                    format!("the bucket refused the credentials while {what} at {place}: {}", or_status(code, status)),
                    credentials_fix,
                )
            }
            _ if code == "NoSuchBucket" || (key.is_none() && status == Some(404)) => BlobError::unavailable(
                format!("bucket {bucket:?} does not exist at {place}"),
                "create the bucket (e.g. `aws s3 mb s3://BUCKET --endpoint-url URL`) or correct blobs.bucket",
            ),
            _ if status == Some(301)
                || matches!(code, "PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException") =>
            {
                BlobError::unavailable(
                    format!("bucket {bucket:?} is in another region than blobs.region: {}", or_status(code, status)),
                    "set blobs.region to the bucket's region",
                )
            }
            _ if status.is_some_and(|s| s >= 500) => BlobError::unavailable(
                format!("{place} failed while {what}: {}", or_status(code, status)),
                "the storage server had a problem; look at its logs, and retry later",
            ),
            _ => BlobError::io(
                format!("{what} at {place} failed: {detail}"),
                "look at the storage server's logs; the error above is what it answered",
            ),
        }
    }
}

/// The error and its causes on one line ("dispatch failure: io error: ... refused"):
/// the SDK's own Display says only the outermost, which is rarely the useful part.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.ends_with(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}

/// An error code and HTTP status, for errors whose chain says no more than that.
fn or_status(code: &str, status: Option<u16>) -> String {
    match (code, status) {
        ("", Some(status)) => format!("HTTP {status}"),
        (code, Some(status)) => format!("{code} (HTTP {status})"),
        (code, None) => code.to_string(),
    }
}

/// Aborts a multipart upload whose future was dropped before it finished (a client
/// that went away mid-upload), so its parts do not linger in the bucket.
struct AbortOnDrop {
    store: Option<S3Store>,
    key: String,
    upload_id: String,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        let Some(store) = self.store.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (key, upload_id) = (std::mem::take(&mut self.key), std::mem::take(&mut self.upload_id));
        runtime.spawn(async move { store.abort(&key, &upload_id).await });
    }
}
