// std::ios_base_library_init(), for TorchSharp's libLibTorchSharp.so on a libstdc++ older than GCC 13's.
//
// GCC 13's <iostream> no longer gives every translation unit a static ios_base::Init; it references this function
// (version GLIBCXX_3.4.32) instead, so that the program needs a libstdc++ that constructs the standard streams
// itself. With GCC 12's libstdc++ the streams are constructed by the ios_base::Init objects of the libraries built
// against it, libtorch's among them, before anything of LibTorchSharp runs; so the function has nothing to do here.
// TorchSharp 0.107.0's library has no relocation against the symbol (the reference only creates the version need), so
// marking that need weak (ElfVersionNeeds.cs) is what lets it load; this definition, loaded with global visibility
// before it, is there so that a build which does bind the symbol gets a function rather than an abort at its first call.
namespace std {
void ios_base_library_init() {}
}
