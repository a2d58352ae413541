//! `Connection`: the reader and writer are independent.

use sioscgi::{
    Connection, Error, Event, Output, ResponseEvent, ResponseHead, RxState, Status, TxState,
};

const UPLOAD: &[u8] = b"25:CONTENT_LENGTH\x0010\x00SCGI\x001\x00,0123456789";

#[test]
fn a_response_may_start_before_the_request_body_ends() {
    let mut conn = Connection::new([0u8; 128]);
    let mut received = conn.receive_data(&UPLOAD[..32]);
    assert!(matches!(received.next_event(), Ok(Some(Event::Headers(_)))));
    assert_eq!(received.next_event(), Ok(Some(Event::Body(&b"012"[..]))));
    assert_eq!(received.next_event(), Ok(None));
    assert_eq!(conn.rx_state(), RxState::Body);

    let head = ResponseHead::new(Some(Status::Code(413)), &[]).unwrap();
    let mut out = [0u8; 64];
    assert!(matches!(
        conn.send(ResponseEvent::Headers(&head), &mut out),
        Ok(Output::Head(_))
    ));
    assert_eq!(conn.send(ResponseEvent::End, &mut out), Ok(Output::Close));
    assert_eq!(conn.tx_state(), TxState::Done);

    // The rest of the request can still be read.
    let mut received = conn.receive_data(&UPLOAD[32..]);
    assert_eq!(
        received.next_event(),
        Ok(Some(Event::Body(&b"3456789"[..])))
    );
    assert_eq!(received.next_event(), Ok(Some(Event::End)));
    assert_eq!(received.next_event(), Ok(None));
    assert!(conn.environment().is_some());
}

#[test]
fn eof_and_errors_through_receive_data() {
    let mut conn = Connection::new([0u8; 128]);
    let mut received = conn.receive_data(&UPLOAD[..5]);
    assert_eq!(received.next_event(), Ok(None));
    let mut eof = conn.receive_data(b"");
    assert_eq!(eof.next_event(), Err(Error::RemotePrematureEof));
    assert_eq!(eof.next_event(), Err(Error::RemotePrematureEof));
    assert_eq!(conn.rx_state(), RxState::Error);
    assert_eq!(
        conn.receive_data(b"x").next_event(),
        Err(Error::RemotePrematureEof)
    );
    // The writer is not affected: an error page can still be sent.
    assert_eq!(conn.tx_state(), TxState::Headers);
    conn.reset();
    assert_eq!(conn.rx_state(), RxState::HeaderLength);
}

#[test]
fn unconsumed_bytes_are_visible() {
    let mut conn = Connection::new([0u8; 128]);
    let mut received = conn.receive_data(UPLOAD);
    assert!(matches!(received.next_event(), Ok(Some(Event::Headers(_)))));
    assert_eq!(received.remaining(), b"0123456789");
}
