//! Every public type implements `defmt::Format` (feature `defmt`): checked at compile time.
#![cfg(feature = "defmt")]

fn format<T: defmt::Format + ?Sized>() -> &'static str {
    core::any::type_name::<T>()
}

#[test]
fn every_public_type_is_defmt_format() {
    use sioscgi::*;
    let names = [
        format::<Config>(),
        format::<Connection<[u8; 8]>>(),
        format::<Received<'static, 'static, &'static mut [u8]>>(),
        format::<Environment<'static>>(),
        format::<Error>(),
        format::<Event<'static, 'static>>(),
        format::<GetAll<'static, 'static>>(),
        format::<Iter<'static>>(),
        format::<Origin>(),
        format::<Output<'static>>(),
        format::<Reader<heapless::Vec<u8, 8>>>(),
        format::<ResponseEvent<'static, 'static>>(),
        format::<ResponseHead<'static>>(),
        format::<ResponseKind>(),
        format::<RxState>(),
        format::<Status<'static>>(),
        format::<TxState>(),
        format::<Writer>(),
        #[cfg(feature = "alloc")]
        format::<owned::Connection>(),
        #[cfg(feature = "alloc")]
        format::<owned::Environment>(),
        #[cfg(feature = "alloc")]
        format::<owned::Event>(),
        #[cfg(feature = "alloc")]
        format::<owned::Reader>(),
    ];
    assert!(names.iter().all(|n| n.contains("sioscgi")));
}
