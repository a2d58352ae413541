//! What [`serve`](crate::serve) hands its make-service for each request, and the
//! make-service of a plain service.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::net::{Ipv4Addr, SocketAddr};
use std::task::{Context, Poll};

use tower_service::Service;

use crate::CgiEnvironment;

/// A request whose header block has arrived, before its service is made: what
/// [`serve`](crate::serve) calls its make-service with (as `axum::serve` calls one with
/// an `IncomingStream`), once per request (SCGI has one request per connection).
///
/// It knows the client (`REMOTE_ADDR`, `REMOTE_PORT`: the web server's own client, not
/// the web server), the address the web server answered on (`SERVER_ADDR`,
/// `SERVER_PORT`), the whole CGI environment, and the address of the web server's end of
/// the SCGI connection (`A`, the listener's address type).
///
/// With the `axum` feature, `SocketAddr` and `IncomingRequest` itself implement axum's
/// `Connected` for it, so `Router::into_make_service_with_connect_info::<SocketAddr>()`
/// gives handlers the client's address, as behind `axum::serve`.
#[derive(Clone, Debug)]
pub struct IncomingRequest<A> {
    environment: CgiEnvironment,
    web_server: A,
}

impl<A> IncomingRequest<A> {
    pub(crate) fn new(environment: CgiEnvironment, web_server: A) -> Self {
        IncomingRequest {
            environment,
            web_server,
        }
    }

    /// The client's address: `REMOTE_ADDR` and `REMOTE_PORT`, if both parse.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.environment.remote_addr()
    }

    /// The address the web server took the client's request on: `SERVER_ADDR` and
    /// `SERVER_PORT`, if both parse.
    pub fn server_addr(&self) -> Option<SocketAddr> {
        self.environment.server_addr()
    }

    /// The address of the web server's end of the SCGI connection (for TCP, nginx's
    /// loopback address and ephemeral port).
    pub fn web_server_addr(&self) -> &A {
        &self.web_server
    }

    /// The request's whole CGI environment.
    pub fn environment(&self) -> &CgiEnvironment {
        &self.environment
    }

    /// The client's address as a [`SocketAddr`] always: `REMOTE_ADDR` and `REMOTE_PORT`;
    /// port 0 if `REMOTE_PORT` is missing; `0.0.0.0:0` if `REMOTE_ADDR` is missing or is
    /// not an IP address (a client of the web server on a Unix socket: nginx sends
    /// `unix:`).
    pub fn client_socket_addr(&self) -> SocketAddr {
        client_socket_addr(&self.environment)
    }
}

/// See [`IncomingRequest::client_socket_addr`].
pub(crate) fn client_socket_addr(environment: &CgiEnvironment) -> SocketAddr {
    match environment.remote_ip() {
        Some(ip) => SocketAddr::new(ip, environment.remote_port().unwrap_or(0)),
        None => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
    }
}

/// The make-service of a plain service: every request gets a clone of it. For a tower
/// `Service` that is not an axum `Router` (a `service_fn`, a `ServiceBuilder` stack):
/// `serve(listener, Shared::new(service))`, as tower's own `Shared` does for hyper.
///
/// ```no_run
/// use std::convert::Infallible;
///
/// # #[derive(Clone)] struct Hello;
/// # impl tower_service::Service<http::Request<sioscgi_tower::Body>> for Hello {
/// #     type Response = http::Response<String>;
/// #     type Error = Infallible;
/// #     type Future = std::future::Ready<Result<Self::Response, Infallible>>;
/// #     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
/// #         std::task::Poll::Ready(Ok(()))
/// #     }
/// #     fn call(&mut self, _: http::Request<sioscgi_tower::Body>) -> Self::Future {
/// #         std::future::ready(Ok(http::Response::new("hello\n".to_owned())))
/// #     }
/// # }
/// # #[tokio::main] async fn main() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:4000").await?;
/// sioscgi_tower::serve(listener, sioscgi_tower::Shared::new(Hello)).await
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Shared<S>(S);

impl<S> Shared<S> {
    /// The make-service that hands out clones of `service`.
    pub const fn new(service: S) -> Self {
        Shared(service)
    }
}

impl<S: Clone, A> Service<IncomingRequest<A>> for Shared<S> {
    type Response = S;
    type Error = Infallible;
    type Future = Ready<Result<S, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: IncomingRequest<A>) -> Self::Future {
        ready(Ok(self.0.clone()))
    }
}

#[cfg(feature = "axum")]
mod axum_support {
    //! axum's side of the make-service protocol: a `Router` (or a `MethodRouter`) serves
    //! as its own make-service, and the client's address is axum's `ConnectInfo`.

    use std::convert::Infallible;
    use std::future::{Ready, ready};
    use std::net::SocketAddr;
    use std::task::{Context, Poll};

    use axum::extract::connect_info::Connected;
    use tower_service::Service;

    use super::IncomingRequest;

    /// A router serves as its own make-service: each request gets a clone.
    macro_rules! serves_itself {
        ($($router:ty),*) => {$(
            impl<A> Service<IncomingRequest<A>> for $router {
                type Response = Self;
                type Error = Infallible;
                type Future = Ready<Result<Self, Infallible>>;

                fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
                    Poll::Ready(Ok(()))
                }

                fn call(&mut self, _: IncomingRequest<A>) -> Self::Future {
                    ready(Ok(self.clone()))
                }
            }
        )*};
    }

    serves_itself!(axum::Router<()>, axum::routing::MethodRouter<()>);

    /// The client's address ([`IncomingRequest::client_socket_addr`]), not the web
    /// server's: what `ConnectInfo<SocketAddr>` means behind `axum::serve`.
    impl<A> Connected<IncomingRequest<A>> for SocketAddr {
        fn connect_info(incoming: IncomingRequest<A>) -> Self {
            incoming.client_socket_addr()
        }
    }

    /// Everything: `ConnectInfo<IncomingRequest<SocketAddr>>` (TCP) gives the client's,
    /// the web server's and the SCGI peer's addresses.
    impl<A: Clone + Send + Sync + 'static> Connected<IncomingRequest<A>> for IncomingRequest<A> {
        fn connect_info(incoming: IncomingRequest<A>) -> Self {
            incoming
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(pairs: &[(&str, &str)]) -> IncomingRequest<&'static str> {
        IncomingRequest::new(crate::cgi::environment_of(pairs), "nginx")
    }

    #[test]
    fn addresses() {
        let request = incoming(&[
            ("REMOTE_ADDR", "203.0.113.7"),
            ("REMOTE_PORT", "51000"),
            ("SERVER_ADDR", "::1"),
            ("SERVER_PORT", "8080"),
        ]);
        let client: SocketAddr = "203.0.113.7:51000".parse().unwrap();
        assert_eq!(request.remote_addr(), Some(client));
        assert_eq!(request.client_socket_addr(), client);
        assert_eq!(request.server_addr(), Some("[::1]:8080".parse().unwrap()));
        assert_eq!(*request.web_server_addr(), "nginx");
        assert_eq!(request.environment().get_str("SERVER_PORT"), Some("8080"));
        // No port: port 0; no usable address: 0.0.0.0:0.
        let request = incoming(&[("REMOTE_ADDR", "2001:db8::1")]);
        assert_eq!(request.remote_addr(), None);
        assert_eq!(
            request.client_socket_addr(),
            "[2001:db8::1]:0".parse().unwrap()
        );
        let request = incoming(&[("REMOTE_ADDR", "unix:"), ("REMOTE_PORT", "")]);
        assert_eq!(request.client_socket_addr(), "0.0.0.0:0".parse().unwrap());
        assert_eq!(request.server_addr(), None);
    }

    #[test]
    fn shared_hands_out_clones() {
        let mut shared = Shared::new(String::from("service"));
        let made = shared.call(incoming(&[])).into_inner();
        assert_eq!(made.unwrap(), "service");
    }
}
