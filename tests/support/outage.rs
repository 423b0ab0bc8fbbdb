//! A TCP proxy between the service and its database that a test can cut
//! and restore: a database outage seen by the running service (its pooled
//! connections die, new ones are refused) without stopping the shared
//! PostgreSQL server every other test uses.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Forwards every connection to `upstream` until [`DatabaseProxy::cut`].
pub struct DatabaseProxy {
    address: SocketAddr,
    shared: Arc<Shared>,
}

struct Shared {
    cut: AtomicBool,
    stopped: AtomicBool,
    /// Both ends of every forwarded connection, so that a cut closes them.
    open: Mutex<Vec<TcpStream>>,
}

impl DatabaseProxy {
    /// A proxy in front of the host and port of the PostgreSQL `url`, and
    /// the same URL pointed at the proxy.
    pub fn in_front_of(url: &str) -> (Self, String) {
        let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
        let (credentials, rest) = rest.split_once('@').expect("a URL with a user");
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (upstream, path) = rest.split_at(end);
        let proxy = Self::start(upstream);
        let through = format!("{scheme}://{credentials}@{}{path}", proxy.address);
        (proxy, through)
    }

    fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let address = listener.local_addr().expect("the proxy's address");
        let shared = Arc::new(Shared {
            cut: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            open: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&shared);
        let target = upstream.to_owned();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if accepting.stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                // While cut, a new connection is closed at once: the
                // database is gone, as far as the service can tell.
                if accepting.cut.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                accepting.forward(client, server);
            }
        });
        Self { address, shared }
    }

    /// Closes every forwarded connection and refuses new ones until
    /// [`DatabaseProxy::restore`].
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        let open = std::mem::take(
            &mut *self
                .shared
                .open
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for stream in open {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }
}

impl Shared {
    fn forward(self: &Arc<Self>, client: TcpStream, server: TcpStream) {
        let streams = [&client, &server].map(|s| s.try_clone().expect("clone a socket"));
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(streams);
        let (client_reader, server_reader) = (
            client.try_clone().expect("clone a socket"),
            server.try_clone().expect("clone a socket"),
        );
        std::thread::spawn(move || copy_until_closed(client_reader, server));
        std::thread::spawn(move || copy_until_closed(server_reader, client));
    }
}

/// Copies bytes from `from` to `to` until either side closes, then closes both.
fn copy_until_closed(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

impl Drop for DatabaseProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.cut();
        // Wakes the accepting thread so that it sees `stopped` and returns.
        let _ = TcpStream::connect(self.address);
    }
}
