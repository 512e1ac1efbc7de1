//! What can go wrong while building or synthesizing the architecture; its own module so that
//! every stack builder can name it without depending on the architecture.

/// What can go wrong while building or synthesizing the architecture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// A construct refused its input.
    #[error(transparent)]
    Construct(#[from] corestack_constructs::Error),
    /// The template layer refused something.
    #[error(transparent)]
    Cfn(#[from] corestack_cfn::Error),
}
