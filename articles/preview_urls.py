app_name = "preview"
urlpatterns = []
