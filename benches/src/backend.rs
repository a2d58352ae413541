//! What the e2e suite's reference backends share: `--listen ADDR:PORT` (or `--unix PATH`),
//! a tokio accept loop with a task per connection (`TCP_NODELAY` set, as the servers they
//! are compared with set it).

use std::future::Future;

use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

/// Listens where `--listen` says and serves every connection with `connection`.
///
/// # Errors
/// Binding or accepting failed.
pub async fn serve<F, Fut>(name: &str, connection: F) -> std::io::Result<()>
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listen = match Address::from_args() {
        Some(Address::Tcp(address)) => address,
        _ => usage(name),
    };
    let listener = TcpListener::bind(&listen).await?;
    eprintln!("{name} on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream));
    }
}

/// Where to listen.
pub enum Address {
    /// `--listen ADDR:PORT`.
    Tcp(String),
    /// `--unix PATH`.
    Unix(String),
}

impl Address {
    /// From the command line: `--listen ADDR:PORT` or `--unix PATH`.
    pub fn from_args() -> Option<Self> {
        let mut args = std::env::args().skip(1);
        match (args.next().as_deref(), args.next()) {
            (Some("--listen"), Some(address)) => Some(Address::Tcp(address)),
            (Some("--unix"), Some(path)) => Some(Address::Unix(path)),
            _ => None,
        }
    }
}

/// Prints the usage and exits.
pub fn usage(name: &str) -> ! {
    eprintln!("usage: {name} (--listen ADDR:PORT | --unix PATH)");
    std::process::exit(2);
}

/// Listens on the Unix socket `path` (made writable by everyone, for the web server's
/// workers) and serves every connection with `connection`.
///
/// # Errors
/// Binding or accepting failed.
pub async fn serve_unix<F, Fut>(name: &str, path: &str, connection: F) -> std::io::Result<()>
where
    F: Fn(UnixStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
    }
    eprintln!("{name} on unix:{path}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(connection(stream));
    }
}
