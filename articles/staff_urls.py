app_name = "history"
urlpatterns = []
