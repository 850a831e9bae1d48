"""Label Studio labeling configs shipped with labelops (XML files beside this module).

Kept as a package only so the XML files install with labelops; the code that reads, renders and
validates them is `sdk_scripts.label_config_library`.
"""
