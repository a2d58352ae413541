//! What the e2e suite's reference backends share: `--listen ADDR:PORT`, a tokio accept
//! loop with a task per connection (`TCP_NODELAY` set, as the servers they are compared
//! with set it).

use std::future::Future;

use tokio::net::{TcpListener, TcpStream};

/// Listens where `--listen` says and serves every connection with `connection`.
///
/// # Errors
/// Binding or accepting failed.
pub async fn serve<F, Fut>(name: &str, connection: F) -> std::io::Result<()>
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut args = std::env::args().skip(1);
    let listen = match (args.next().as_deref(), args.next()) {
        (Some("--listen"), Some(address)) => address,
        _ => {
            eprintln!("usage: {name} --listen ADDR:PORT");
            std::process::exit(2);
        }
    };
    let listener = TcpListener::bind(&listen).await?;
    eprintln!("{name} on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream));
    }
}
