//! moto, the S3-compatible server the blob store tests start: one per test, on a free
//! loopback port, killed when it ends. tests/run installs it, pinned to 5.1.22 (moto
//! 5.2.0-5.2.5 answer CompleteMultipartUpload with a wrong XML root element,
//! getmoto/moto#10055).

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aerie::blobs::BlobStore;
use aerie::config::BlobsConfig;

use super::server::free_port;

/// A moto server of our own; killed on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// `enforce_auth`: moto accepts any key pair unless told to check them
    /// (INITIAL_NO_AUTH_ACTION_COUNT=0); then only keys it issued itself pass.
    pub async fn start(enforce_auth: bool) -> Moto {
        let port = free_port();
        let mut command = Command::new("moto_server");
        command.args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        if enforce_auth {
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
        }
        let child = command.spawn().expect("moto_server must be on PATH: pip install \"moto[server]==5.1.22\" (tests/run does it)");
        let mut moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited at start ({status})");
            }
            assert!(Instant::now() < deadline, "moto_server did not listen on {} within 60 s", moto.endpoint);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        moto
    }

    pub fn config(&self, bucket: &str) -> BlobsConfig {
        BlobsConfig {
            backend: "s3".into(),
            endpoint: Some(self.endpoint.clone()),
            bucket: Some(bucket.into()),
            access_key_id: Some("aerie-test".into()),
            secret_access_key: Some("aerie-test-secret".into()),
            ..BlobsConfig::default()
        }
    }

    /// A store on a bucket created for it.
    pub async fn store(&self, bucket: &str) -> BlobStore {
        let store = BlobStore::from_config(&self.config(bucket), "unused".as_ref()).await.unwrap();
        let BlobStore::S3(s3) = &store else { panic!("not an S3 store") };
        s3.client().create_bucket().bucket(bucket).send().await.expect("create the test bucket");
        store.check().await.unwrap();
        store
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
